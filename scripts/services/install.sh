#!/usr/bin/env bash
# Installs what the test services need: Debian packages docker-registry (CNCF
# distribution 2.8), skopeo, nginx-light, openssl, python3-venv; and a Python venv with
# pypiserver, PyJWT/cryptography (the registry's token server), bcrypt (htpasswd files),
# passlib (pypiserver's auth) and zstandard (repodata.json.zst).
# Idempotent; exits 1 with a message when something cannot be installed (not root, no apt).
source "$(dirname "$0")/lib.sh"

want=()
command -v docker-registry >/dev/null 2>&1 || want+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || want+=(skopeo)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want+=(nginx-light)
command -v openssl >/dev/null 2>&1 || want+=(openssl)
python3 -c 'import ensurepip, venv' 2>/dev/null || want+=(python3-venv)
if [ ${#want[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "cannot install ${want[*]}: needs apt-get as root"
    exit 1
  fi
  say "installing Debian packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${want[@]}" >"$STATE/logs/apt.log" 2>&1; then
    apt-get update -q >>"$STATE/logs/apt.log" 2>&1 || true
    apt-get install -y -q --no-install-recommends "${want[@]}" >>"$STATE/logs/apt.log" 2>&1 || {
      say "apt-get install ${want[*]} failed:"; tail -20 "$STATE/logs/apt.log" >&2; exit 1; }
  fi
  # The package's own service must not hold port 5000 (no systemd here, but be sure).
  if [ -x /etc/init.d/docker-registry ]; then /etc/init.d/docker-registry stop >/dev/null 2>&1 || true; fi
fi

PY_PKGS=(pypiserver==2.4.2 passlib==1.7.4 bcrypt==4.3.0 PyJWT==2.10.1 cryptography zstandard)
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pypiserver, jwt, bcrypt, zstandard, passlib' 2>/dev/null; then
  say "creating the Python venv $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PKGS[@]}" >"$STATE/logs/pip.log" 2>&1 || {
    say "pip install ${PY_PKGS[*]} failed:"; tail -20 "$STATE/logs/pip.log" >&2; exit 1; }
fi
say "installed"
