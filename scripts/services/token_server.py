#!/usr/bin/env python3
"""A token server for the CNCF distribution registry (the Docker registry token protocol).

Usage: token_server.py PORT KEY_PEM CERT_PEM POLICY_JSON

The registry is configured with `auth.token` (realm = this server, rootcertbundle =
CERT_PEM). Clients ask GET /token?service=...&scope=repository:NAME:pull with optional
Basic credentials; the answer is a JWT signed with KEY_PEM whose `access` claim lists the
actions POLICY_JSON grants for that account:

  {"issuer": "...", "users": {"alice": {"password": "...", "grants": {"*": ["pull"]}}},
   "anonymous": {"public/*": ["pull"]}}

Unknown users and wrong passwords get 401, as from Docker Hub's token service. A known user
without a grant for the repository still gets a token, with an empty access list: the
registry then refuses it (insufficient_scope).
"""
import base64
import fnmatch
import json
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

PORT = int(sys.argv[1])
with open(sys.argv[2], "rb") as f:
    KEY = serialization.load_pem_private_key(f.read(), password=None)
with open(sys.argv[3], "rb") as f:
    CERT = x509.load_pem_x509_certificate(f.read())
with open(sys.argv[4]) as f:
    POLICY = json.load(f)
X5C = [base64.b64encode(CERT.public_bytes(serialization.Encoding.DER)).decode()]


def grants_for(account, repo):
    table = POLICY["anonymous"] if account is None else POLICY["users"][account]["grants"]
    actions = []
    for pattern, acts in table.items():
        if fnmatch.fnmatchcase(repo, pattern):
            actions.extend(a for a in acts if a not in actions)
    return actions


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        # The access log names the account, never the credentials.
        sys.stderr.write("token: %s\n" % (fmt % args))

    def refuse(self, code, message):
        body = json.dumps({"details": message}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if code == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="buildmedic test token server"')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/token":
            return self.refuse(404, "not found")
        query = parse_qs(url.query)
        account = None
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return self.refuse(400, "malformed Basic credentials")
            entry = POLICY["users"].get(user)
            if entry is None or entry["password"] != password:
                return self.refuse(401, "incorrect username or password")
            account = user
        access = []
        for scope in query.get("scope", []):
            for one in scope.split(" "):
                parts = one.split(":")
                if len(parts) != 3 or parts[0] != "repository":
                    continue
                _, repo, wanted = parts
                granted = [a for a in wanted.split(",") if a in grants_for(account, repo)]
                access.append({"type": "repository", "name": repo, "actions": granted})
        now = int(time.time())
        claims = {
            "iss": POLICY["issuer"],
            "sub": account or "",
            "aud": query.get("service", [""])[0],
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        # The log names the account (never the password) so tests can tell which
        # credentials reached the token server.
        sys.stderr.write("token: account=%s scope=%s\n" % (account or "-", " ".join(query.get("scope", []))))
        sys.stderr.flush()
        token = jwt.encode(claims, KEY, algorithm="RS256", headers={"x5c": X5C})
        body = json.dumps({"token": token, "access_token": token, "expires_in": 300,
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
