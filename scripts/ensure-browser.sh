#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (tests/e2e), which drive it
# with Python Playwright. Playwright's own browser download is never used: this machine reaches
# only the package registries, so the browser comes from Debian's `chromium` package.
#
# Quiet when the browser is already there. Installs with apt-get otherwise (needs root, or
# passwordless sudo); runs `apt-get update` only if the first install attempt fails (a fresh
# machine with no package lists). Exits non-zero, with apt-get's log, if it cannot install.
set -euo pipefail

CHROMIUM="${E2E_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "ensure-browser: $CHROMIUM is missing and I am not root: run 'apt-get install chromium' as root." >&2
    exit 1
fi

log="$(mktemp -t orders-chromium-install.XXXXXX.log)"
install() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends chromium fonts-liberation >>"$log" 2>&1
}

echo "ensure-browser: installing Debian's chromium for the browser tests"
if ! install; then
    "${as_root[@]}" apt-get update -qq >>"$log" 2>&1 || true
    if ! install; then
        cat "$log" >&2
        echo "ensure-browser: could not install chromium (log above)" >&2
        exit 1
    fi
fi
rm -f "$log"

[ -x "$CHROMIUM" ] || { echo "ensure-browser: chromium installed but $CHROMIUM is missing" >&2; exit 1; }
