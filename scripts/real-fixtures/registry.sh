#!/usr/bin/env bash
# Makes skopeo (containers/image) fail for real against registries on loopback and keeps what
# it prints: the `pos-skopeo-real-*` / `neg-skopeo-real-*` fixtures of the registry kinds were
# made with this script (Debian bookworm: skopeo 1.9.3, docker-registry 2.8.2).
#
#   sudo apt-get install -y docker-registry skopeo apache2-utils openssl
#   scripts/real-fixtures/registry.sh OUTDIR
#
# Every scenario writes OUTDIR/<name>.log: the command line as a `$ ` prompt, then stdout and
# stderr as skopeo printed them, byte for byte (the random ports and the temporary directory
# are left as they were). Nothing leaves 127.0.0.1; every server started here is stopped on
# exit.
set -u
out=${1:?usage: registry.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    mountpoint -q "$work/full" && umount "$work/full"
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# registry NAME PORT [storage/auth yaml] [http yaml]: a CNCF distribution 2.8 registry on
# 127.0.0.1:PORT
registry() {
    local name=$1 port=$2 extra=${3:-} http=${4:-}
    mkdir -p "$work/$name/data"
    cat >"$work/$name/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/$name/data
$extra
http:
  addr: 127.0.0.1:$port
$http
EOF
    docker-registry serve "$work/$name/config.yml" >"$work/$name/server.log" 2>&1 &
    pids+=($!)
    wait_port "$port"
}

# run NAME CMD...: records the prompt and everything the command prints
run() {
    local name=$1
    shift
    { printf '$ %s\n' "$*"; "$@" 2>&1; } >"$out/$name.log"
    printf '%s: exit %s\n' "$name" "$?" >&2
}

# oci_image DIR ROOTFS: a one-layer OCI image layout, tag 1.0
oci_image() {
    local img=$1 root=$2 layer diffid config manifest
    mkdir -p "$img/blobs/sha256"
    tar -C "$root" -cf - . | gzip -n >"$img.layer"
    layer=$(sha256sum <"$img.layer" | cut -d' ' -f1)
    diffid=$(gzip -dc "$img.layer" | sha256sum | cut -d' ' -f1)
    mv "$img.layer" "$img/blobs/sha256/$layer"
    printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"config":{}}' "$diffid" >"$img.config"
    config=$(sha256sum <"$img.config" | cut -d' ' -f1)
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
        "$config" "$(stat -c %s "$img.config")" "$layer" "$(stat -c %s "$img/blobs/sha256/$layer")" >"$img.manifest"
    mv "$img.config" "$img/blobs/sha256/$config"
    manifest=$(sha256sum <"$img.manifest" | cut -d' ' -f1)
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"1.0"}}]}' \
        "$manifest" "$(stat -c %s "$img.manifest")" >"$img/index.json"
    mv "$img.manifest" "$img/blobs/sha256/$manifest"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$img/oci-layout"
}
mkdir -p "$work/rootfs/etc" "$work/bigroot/opt"
echo 'hello from buildmedic' >"$work/rootfs/etc/motd"
img=$work/oci
oci_image "$img" "$work/rootfs"
# a layer that does not fit on the small disk below (random bytes do not compress)
dd if=/dev/urandom of="$work/bigroot/opt/model.bin" bs=64k count=4 status=none
oci_image "$work/oci-big" "$work/bigroot"
src="oci:$img:1.0"
plain=(--src-tls-verify=false --dest-tls-verify=false)

# 1. an open registry: missing repository, missing tag, a successful push and pull
open=$(free_port)
registry open "$open"
run pos-skopeo-real-name-unknown skopeo inspect --tls-verify=false "docker://127.0.0.1:$open/ml/no-such-repo:2.1"
run neg-skopeo-real-push-succeeded skopeo copy "${plain[@]}" "$src" "docker://127.0.0.1:$open/ml/base-image:1.0"
run pos-skopeo-real-manifest-unknown skopeo inspect --tls-verify=false "docker://127.0.0.1:$open/ml/base-image:2.1"
run pos-skopeo-real-copy-manifest-unknown skopeo copy "${plain[@]}" "docker://127.0.0.1:$open/ml/base-image:2.1" "dir:$work/pulled"
# plain HTTP registry addressed over HTTPS
run pos-skopeo-real-http-response-to-https skopeo inspect "docker://127.0.0.1:$open/ml/base-image:1.0"

# 2. an htpasswd-protected registry: no credentials, wrong credentials
basic=$(free_port)
htpasswd -Bbc "$work/htpasswd" ci-bot 's3cret-Passw0rd' >/dev/null 2>&1
registry basic "$basic" "auth:
  htpasswd:
    realm: buildmedic-realm
    path: $work/htpasswd"
run pos-skopeo-real-push-no-credentials skopeo copy "${plain[@]}" "$src" "docker://127.0.0.1:$basic/team/app:1.0"
run pos-skopeo-real-pull-no-credentials skopeo inspect --tls-verify=false "docker://127.0.0.1:$basic/team/app:1.0"
# a stale password in an auth file (not on the command line: the logs show the command)
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$basic" "$(printf 'ci-bot:expired-token' | base64)" >"$work/auth.json"
run pos-skopeo-real-wrong-password skopeo inspect --tls-verify=false --authfile "$work/auth.json" "docker://127.0.0.1:$basic/team/app:1.0"
run pos-skopeo-real-push-wrong-password skopeo copy "${plain[@]}" --dest-authfile "$work/auth.json" "$src" "docker://127.0.0.1:$basic/team/app:1.0"

# 3. a read-only registry refuses pushes
ro=$(free_port)
registry readonly "$ro" "  maintenance:
    readonly:
      enabled: true"
run pos-skopeo-real-push-readonly skopeo copy "${plain[@]}" "$src" "docker://127.0.0.1:$ro/team/app:1.0"

# 4. nothing listens on the port; a name that cannot resolve
closed=$(free_port)
run pos-skopeo-real-connection-refused skopeo inspect --tls-verify=false "docker://127.0.0.1:$closed/library/python:3.11"
run pos-skopeo-real-push-connection-refused skopeo copy "${plain[@]}" "$src" "docker://127.0.0.1:$closed/team/app:1.0"
run pos-skopeo-real-no-such-host skopeo inspect "docker://registry.nonexistent.invalid/library/python:3.11"

# 5. TLS: a self-signed certificate, and one for another name
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=registry.internal.example' \
    -addext 'subjectAltName=DNS:registry.internal.example,IP:127.0.0.1' \
    -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
tls=$(free_port)
registry tls "$tls" "" "  tls:
    certificate: $work/tls.crt
    key: $work/tls.key"
run pos-skopeo-real-x509-unknown-authority skopeo inspect "docker://127.0.0.1:$tls/library/python:3.11"
mkdir -p "$work/certs"
cp "$work/tls.crt" "$work/certs/ca.crt"
run pos-skopeo-real-x509-wrong-name skopeo inspect --cert-dir "$work/certs" "docker://localhost:$tls/library/python:3.11"

# 6. servers that answer with a rate limit, a bare denial, or cut the connection: the answers
# are ours, the way skopeo reports them is skopeo's
fake=$(free_port)
python3 - "$fake" >"$work/fake.log" 2>&1 <<'PY' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        p = self.path
        if p == "/v2/":
            return self.answer(200, {})
        if "/ratelimited/" in p:
            return self.answer(429, {"errors": [{"code": "TOOMANYREQUESTS", "message": "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"}]})
        if "/denied/" in p:
            return self.answer(403, {"errors": [{"code": "DENIED", "message": "denied"}]})
        if "/unavailable/" in p:
            return self.answer(503, {"errors": [{"code": "UNAVAILABLE", "message": "service unavailable"}]})
        if "/cut/" in p:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'{"schemaVersion":2,')
            self.wfile.flush()
            self.connection.close()
            return
        return self.answer(404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]})
    do_HEAD = do_GET
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
pids+=($!)
wait_port "$fake"
run pos-skopeo-real-toomanyrequests skopeo inspect --tls-verify=false "docker://127.0.0.1:$fake/ratelimited/python:3.11"
run pos-skopeo-real-denied skopeo inspect --tls-verify=false "docker://127.0.0.1:$fake/denied/app:1.0"
run pos-skopeo-real-unavailable skopeo inspect --tls-verify=false "docker://127.0.0.1:$fake/unavailable/app:1.0"
run pos-skopeo-real-unexpected-eof skopeo inspect --tls-verify=false "docker://127.0.0.1:$fake/cut/app:1.0"

# 7. a token service that refuses the credentials (Docker Hub style)
tok=$(free_port)
python3 - "$tok" >"$work/token.log" 2>&1 <<'PY' &
import http.server, json, sys
port = int(sys.argv[1])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self, code, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path.startswith("/token"):
            return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "incorrect username or password"}]})
        challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="registry.example"' % port
        return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                           [("WWW-Authenticate", challenge), ("Docker-Distribution-Api-Version", "registry/2.0")])
    do_HEAD = do_GET
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
pids+=($!)
wait_port "$tok"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$tok" "$(printf 'ci-bot:expired-token' | base64)" >"$work/auth-token.json"
run pos-skopeo-real-token-incorrect-password skopeo inspect --tls-verify=false --authfile "$work/auth-token.json" "docker://127.0.0.1:$tok/team/app:1.0"
run pos-skopeo-real-token-anonymous skopeo inspect --tls-verify=false "docker://127.0.0.1:$tok/team/app:1.0"

# 8. the destination disk is full
mkdir -p "$work/full"
if mount -t tmpfs -o size=64k tmpfs "$work/full" 2>/dev/null; then
    run pos-skopeo-real-no-space skopeo copy "oci:$work/oci-big:1.0" "dir:$work/full/pulled"
    umount "$work/full"
fi
