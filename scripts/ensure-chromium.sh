#!/usr/bin/env bash
# Debian's Chromium for the console's end-to-end tests: installed when missing (root, apt-get).
set -euo pipefail
CHROMIUM="${STOCKROOM_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing at $CHROMIUM. Install Debian's chromium package (sudo apt-get install -y chromium)" >&2
  echo "or set STOCKROOM_CHROMIUM to a Chromium binary." >&2
  exit 1
fi
echo "Installing Debian's chromium for the console's end-to-end tests (about a minute)…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y chromium >/tmp/stockroom-chromium-install.log 2>&1; then
  apt-get update >>/tmp/stockroom-chromium-install.log 2>&1
  apt-get install -y chromium >>/tmp/stockroom-chromium-install.log 2>&1 || {
    tail -20 /tmp/stockroom-chromium-install.log >&2
    exit 1
  }
fi
"$CHROMIUM" --version >&2
