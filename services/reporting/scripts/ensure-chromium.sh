#!/bin/sh
# Make sure Debian's chromium is installed, for the reporting dashboard's browser test.
# Idempotent: does nothing when chromium is already there. Needs root (or password-less sudo)
# and network access to the Debian mirrors; prints the path of the browser on success.
#
#   services/reporting/scripts/ensure-chromium.sh
#
# Playwright's own browser download is not used (it is not reachable from CI); Debian's package
# is driven by the test through its command line (--headless --dump-dom / --screenshot).
set -eu

find_chromium() {
    for name in chromium chromium-browser; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

if find_chromium; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure-chromium: chromium is missing and installing it needs root (or sudo)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no apt-get here; install chromium with the system's package manager" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh image may be empty or stale: refresh them once before installing.
$SUDO apt-get update -qq >&2
# fonts-dejavu-core: the dashboard's text must render in screenshots on minimal images too.
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2

find_chromium
