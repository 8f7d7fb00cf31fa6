#!/usr/bin/env bash
# Starts the services the preflight tests check against, all on 127.0.0.1, and writes
# their addresses to $STATE/env (printed at the end; the tests read it through
# BUILDMEDIC_PREFLIGHT_SERVICES=$STATE/env). Idempotent: services already running are kept.
#
#   registry-open    CNCF distribution registry, no auth (plain HTTP)
#   registry-basic   the same with htpasswd (Basic) auth
#   registry-token   the same with token (Bearer) auth, and its token server
#   registry-tls     no auth, HTTPS with a self-signed certificate
#   nginx            conda channels as static files; a rate-limiting proxy and a proxy
#                    that denies one repository, both in front of registry-open
#   pypi / pypi-auth pypiserver without and with a login
#
# Images are written as OCI layouts and pushed with `skopeo copy`; wheels, sdists and the
# channels' repodata are built by the make_*.py scripts next to this one.
# Usage: scripts/services/start.sh    (scripts/services/stop.sh ends everything)
source "$(dirname "$0")/lib.sh"

"$SERVICES_SRC/install.sh"
need_cmd docker-registry skopeo openssl
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PY=$VENV/bin/python

secret() { python3 -c 'import secrets; print(secrets.token_hex(12))'; }

# --- credentials and keys (made once per state directory) -----------------------------
if [ -z "$(env_get BM_BASIC_PASS)" ]; then
  env_set BM_BASIC_USER basicuser
  env_set BM_BASIC_PASS "basic-$(secret)"
  env_set BM_TOKEN_USER alice
  env_set BM_TOKEN_PASS "alice-$(secret)"
  env_set BM_TOKEN_NOSCOPE_USER bob
  env_set BM_TOKEN_NOSCOPE_PASS "bob-$(secret)"
  env_set BM_PYPI_USER pipuser
  env_set BM_PYPI_PASS "pip-$(secret)"
fi
PUSH_PASS_FILE=$STATE/run/push-pass
[ -f "$PUSH_PASS_FILE" ] || secret >"$PUSH_PASS_FILE"
PUSH_PASS=$(cat "$PUSH_PASS_FILE")

mkdir -p "$STATE/tls" "$STATE/certs.d"
if [ ! -f "$STATE/tls/registry.crt" ]; then
  # Self-signed, and not a CA (TLS libraries refuse a CA certificate as a server's).
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth \
    -keyout "$STATE/tls/registry.key" -out "$STATE/tls/registry.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=buildmedic test token signer" \
    -keyout "$STATE/tls/token.key" -out "$STATE/tls/token.crt" 2>/dev/null
  cp "$STATE/tls/registry.crt" "$STATE/certs.d/ca.crt"
fi
env_set BM_REG_TLS_CA "$STATE/tls/registry.crt"

# --- registries ------------------------------------------------------------------------
# port_for NAME: the port recorded for NAME, or a new free one.
port_for() {
  local p
  p=$(env_get "BM_PORT_$1")
  if [ -z "$p" ]; then p=$(free_port); env_set "BM_PORT_$1" "$p"; fi
  echo "$p"
}

registry() { # NAME PORT AUTH_YAML TLS_YAML
  local name=$1 port=$2 auth=$3 tls=$4 dir=$STATE/$1
  running "$name" && return 0
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: info
  fields:
    service: $name
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$tls
$auth
YML
  spawn "$name" docker-registry serve "$dir/config.yml"
}

P_OPEN=$(port_for REG_OPEN)
P_BASIC=$(port_for REG_BASIC)
P_TOKEN=$(port_for REG_TOKEN)
P_REALM=$(port_for TOKEN_REALM)
P_TLS=$(port_for REG_TLS)

if [ ! -f "$STATE/registry-basic.htpasswd" ]; then
  "$PY" - "$STATE/registry-basic.htpasswd" "$(env_get BM_BASIC_USER)" "$(env_get BM_BASIC_PASS)" "$PUSH_PASS" <<'PY'
import bcrypt, sys
out, user, password, push = sys.argv[1:]
with open(out, "w") as f:
    for u, p in ((user, password), ("pusher", push)):
        f.write(f"{u}:{bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=5)).decode()}\n")
PY
fi

registry registry-open "$P_OPEN" "" ""
registry registry-basic "$P_BASIC" "auth:
  htpasswd:
    realm: buildmedic-test
    path: $STATE/registry-basic.htpasswd" ""
registry registry-token "$P_TOKEN" "auth:
  token:
    realm: http://127.0.0.1:$P_REALM/token
    service: buildmedic-test-registry
    issuer: buildmedic-test-issuer
    rootcertbundle: $STATE/tls/token.crt" ""
registry registry-tls "$P_TLS" "" "  tls:
    certificate: $STATE/tls/registry.crt
    key: $STATE/tls/registry.key"

cat >"$STATE/token-policy.json" <<JSON
{"issuer": "buildmedic-test-issuer",
 "anonymous": {"public/*": ["pull"]},
 "users": {
   "$(env_get BM_TOKEN_USER)": {"password": "$(env_get BM_TOKEN_PASS)", "grants": {"*": ["pull"]}},
   "$(env_get BM_TOKEN_NOSCOPE_USER)": {"password": "$(env_get BM_TOKEN_NOSCOPE_PASS)", "grants": {"public/*": ["pull"]}},
   "pusher": {"password": "$PUSH_PASS", "grants": {"*": ["pull", "push"]}}}}
JSON
running token-server || spawn token-server "$PY" "$SERVICES_SRC/token_server.py" "$P_REALM" \
  "$STATE/tls/token.key" "$STATE/tls/token.crt" "$STATE/token-policy.json"

wait_http registry-open "http://127.0.0.1:$P_OPEN/v2/"
wait_http registry-basic "http://127.0.0.1:$P_BASIC/v2/"
wait_http registry-token "http://127.0.0.1:$P_TOKEN/v2/"
wait_http token-server "http://127.0.0.1:$P_REALM/token"
wait_http registry-tls "https://127.0.0.1:$P_TLS/v2/"
env_set BM_REG_OPEN "127.0.0.1:$P_OPEN"
env_set BM_REG_BASIC "127.0.0.1:$P_BASIC"
env_set BM_REG_TOKEN "127.0.0.1:$P_TOKEN"
env_set BM_TOKEN_REALM "http://127.0.0.1:$P_REALM/token"
env_set BM_REG_TLS "127.0.0.1:$P_TLS"
env_set BM_REG_TOKEN_LOG "$STATE/logs/token-server.log"

# --- images ----------------------------------------------------------------------------
if [ ! -f "$STATE/run/images-pushed" ]; then
  rm -rf "$STATE/oci" && python3 "$SERVICES_SRC/make_images.py" "$STATE/oci"
  push() { # SRC DEST [skopeo copy options...]
    local src=$1 dest=$2
    shift 2
    skopeo copy -q "$@" "oci:$STATE/oci/$src:1.0" "docker://$dest" >>"$STATE/logs/push.log" 2>&1 || {
      say "skopeo copy $src -> $dest failed:"; tail -5 "$STATE/logs/push.log" >&2; exit 1; }
  }
  plain=(--dest-tls-verify=false)
  O=127.0.0.1:$P_OPEN
  for tag in 1.0 1.1 latest; do push single "$O/demo/app:$tag" "${plain[@]}"; done
  push multi "$O/demo/multi:1.0" --all "${plain[@]}"
  push single "$O/demo/docker:1.0" --format v2s2 "${plain[@]}"
  push multi "$O/demo/dockermulti:1.0" --all --format v2s2 "${plain[@]}"
  push single "$O/blocked/app:1.0" "${plain[@]}"
  push single "127.0.0.1:$P_BASIC/private/app:1.0" "${plain[@]}" --dest-creds "pusher:$PUSH_PASS"
  push single "127.0.0.1:$P_TOKEN/private/app:1.0" "${plain[@]}" --dest-creds "pusher:$PUSH_PASS"
  push single "127.0.0.1:$P_TOKEN/public/app:1.0" "${plain[@]}" --dest-creds "pusher:$PUSH_PASS"
  push single "127.0.0.1:$P_TLS/demo/app:1.0" --dest-cert-dir "$STATE/certs.d"
  touch "$STATE/run/images-pushed"
fi

# --- conda channels and the nginx front ------------------------------------------------
if [ ! -f "$STATE/channels/main/linux-64/repodata.json" ]; then
  "$PY" "$SERVICES_SRC/make_channel.py" "$STATE/channels"
fi
P_CHAN=$(port_for CONDA)
P_STATIC=$(port_for PYPI_STATIC)
if [ ! -f "$STATE/dists/static-simple/demo-pkg/index.json" ]; then
  python3 "$SERVICES_SRC/make_dists.py" "$STATE/dists"
fi
P_LIMIT=$(port_for REG_LIMITED)
P_GUARD=$(port_for REG_GUARDED)
P_GATEWAY=$(port_for REG_GATEWAY)
P_DOWN=$(port_for DOWN)
mkdir -p "$STATE/nginx/tmp"
cat >"$STATE/nginx/nginx.conf" <<NGINX
worker_processes 1;
error_log $STATE/logs/nginx-error.log;
pid $STATE/run/nginx-master.pid;
events { worker_connections 256; }
http {
  access_log $STATE/logs/nginx-access.log;
  client_body_temp_path $STATE/nginx/tmp/body;
  proxy_temp_path $STATE/nginx/tmp/proxy;
  fastcgi_temp_path $STATE/nginx/tmp/fastcgi;
  uwsgi_temp_path $STATE/nginx/tmp/uwsgi;
  scgi_temp_path $STATE/nginx/tmp/scgi;
  types { application/json json; application/octet-stream zst bz2; }
  # A conda channel is static files: nginx sends ETag and Last-Modified and answers
  # conditional requests with 304.
  server {
    listen 127.0.0.1:$P_CHAN;
    root $STATE/channels;
  }
  # A static package index (as static-file indexes are published): PEP 691 JSON for
  # clients that ask for it, PEP 503 HTML otherwise.
  map \$http_accept \$simple_index {
    ~application/vnd\.pypi\.simple\.v1\+json index.json;
    default index.html;
  }
  server {
    listen 127.0.0.1:$P_STATIC;
    root $STATE/dists;
    location /static-simple/ {
      index \$simple_index;
      types { application/vnd.pypi.simple.v1+json json; text/html html; }
    }
  }
  # One request a minute per client, then 429 (as registries behind a rate limit answer).
  limit_req_zone \$binary_remote_addr zone=registry:1m rate=1r/m;
  server {
    listen 127.0.0.1:$P_LIMIT;
    location / {
      limit_req zone=registry;
      limit_req_status 429;
      proxy_pass http://127.0.0.1:$P_OPEN;
    }
  }
  # A gateway whose registry is down: 502 Bad Gateway for everything.
  server {
    listen 127.0.0.1:$P_GATEWAY;
    location / { proxy_pass http://127.0.0.1:$P_DOWN; }
  }
  # A proxy whose policy denies the repository blocked/* (403), as a registry firewall does.
  server {
    listen 127.0.0.1:$P_GUARD;
    location /v2/blocked/ { deny all; }
    location / { proxy_pass http://127.0.0.1:$P_OPEN; }
  }
}
NGINX
if ! running nginx; then
  # Runs in the foreground under spawn, so stop.sh can end it by its pid.
  spawn nginx "$NGINX" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -g "daemon off;"
fi
wait_http nginx "http://127.0.0.1:$P_CHAN/main/noarch/repodata.json"
env_set BM_CONDA_URL "http://127.0.0.1:$P_CHAN"
env_set BM_CONDA_ACCESS_LOG "$STATE/logs/nginx-access.log"
env_set BM_CONDA_DIR "$STATE/channels"
env_set BM_REG_LIMITED "127.0.0.1:$P_LIMIT"
env_set BM_REG_GUARDED "127.0.0.1:$P_GUARD"
env_set BM_REG_GATEWAY "127.0.0.1:$P_GATEWAY"
env_set BM_PYPI_STATIC_URL "http://127.0.0.1:$P_STATIC/static-simple"

# --- package indexes -------------------------------------------------------------------
P_PYPI=$(port_for PYPI)
P_PYPI_AUTH=$(port_for PYPI_AUTH)
if [ ! -f "$STATE/pypi.htpasswd" ]; then
  "$PY" - "$STATE/pypi.htpasswd" "$(env_get BM_PYPI_USER)" "$(env_get BM_PYPI_PASS)" <<'PY'
import bcrypt, sys
out, user, password = sys.argv[1:]
with open(out, "w") as f:
    f.write(f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()}\n")
PY
fi
running pypi || spawn pypi "$VENV/bin/pypi-server" run -i 127.0.0.1 -p "$P_PYPI" \
  --disable-fallback "$STATE/dists/public"
running pypi-auth || spawn pypi-auth "$VENV/bin/pypi-server" run -i 127.0.0.1 -p "$P_PYPI_AUTH" \
  --disable-fallback -P "$STATE/pypi.htpasswd" -a download,list,update "$STATE/dists/private"
wait_http pypi "http://127.0.0.1:$P_PYPI/simple/"
wait_http pypi-auth "http://127.0.0.1:$P_PYPI_AUTH/simple/"
env_set BM_PYPI_URL "http://127.0.0.1:$P_PYPI/simple"
env_set BM_PYPI_AUTH_URL "http://127.0.0.1:$P_PYPI_AUTH/simple"

# --- unreachable cases -----------------------------------------------------------------
# A port nothing listens on (picked free, never bound: the one behind the 502 gateway) and
# a name under .invalid, which never resolves (RFC 6761).
env_set BM_CLOSED_PORT "$P_DOWN"
env_set BM_UNRESOLVABLE "registry.buildmedic-test.invalid"

say "all services up; env file: $ENV_FILE"
echo "$ENV_FILE"
