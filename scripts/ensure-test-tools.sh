#!/usr/bin/env bash
# Tools some tests drive that do not come from PyPI: promtool (Debian's prometheus package)
# to validate the alert rules, and Debian's chromium to render the dashboard.
# Installed with apt-get when missing and we are root; otherwise we say what is missing and
# those tests fail with that message.
# Also the independent credential verifier (tests/interop): npm packages at the exact versions
# of its committed package-lock.json, from the npm registry.
set -euo pipefail

if command -v npm >/dev/null 2>&1; then
  npm ci --prefix "$(dirname "$0")/../tests/interop" --no-audit --no-fund --loglevel=error
else
  echo "missing for some tests: node and npm (apt-get install nodejs npm)" >&2
fi

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (Debian packages) for the tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # no daemons: the tests only need the promtool and chromium binaries
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing for some tests: ${need[*]} (install Debian's packages: apt-get install ${need[*]})" >&2
fi
