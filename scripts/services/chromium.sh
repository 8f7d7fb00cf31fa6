#!/usr/bin/env bash
# Headless Chromium and chromedriver for the web page test, from the Debian packages
# `chromium` and `chromium-driver` (nothing is downloaded at test time).
#
#   eval "$(scripts/services/chromium.sh ensure)"   # exports BUILDMEDIC_CHROMEDRIVER
set -euo pipefail
log() { echo "chromium.sh: $*" >&2; }

found() { command -v chromedriver >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1; }

if ! found; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing the Debian packages chromium and chromium-driver"
    (apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; }) || true
  fi
fi
if ! found; then
  log "chromium or chromedriver missing and cannot be installed (need root and apt-get)"
  exit 1
fi
echo "export BUILDMEDIC_CHROMEDRIVER=$(command -v chromedriver)"
echo "export BUILDMEDIC_CHROMIUM=$(command -v chromium)"
