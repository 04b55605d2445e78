#!/usr/bin/env bash
# The WebDAV and mirroring clients the end-to-end tests drive (apps/api/test/e2e/dav-clients.e2e-spec.ts):
# Debian's litmus, rclone, cadaver and wget, installed when missing (root, apt-get), like ensure-chromium.sh.
set -euo pipefail
# command → Debian package
declare -A PACKAGES=([litmus]=litmus [rclone]=rclone [cadaver]=cadaver [wget]=wget)
missing=()
for command in "${!PACKAGES[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGES[$command]}")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "WebDAV test clients missing: ${missing[*]}. Install the Debian packages (sudo apt-get install -y ${missing[*]})" >&2
  echo "or put these commands on the PATH." >&2
  exit 1
fi
LOG=/tmp/stockroom-dav-clients-install.log
echo "Installing Debian's ${missing[*]} for the WebDAV clients' end-to-end tests…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$LOG" 2>&1; then
  apt-get update >>"$LOG" 2>&1
  apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 || {
    tail -20 "$LOG" >&2
    exit 1
  }
fi
for command in "${!PACKAGES[@]}"; do
  command -v "$command" >/dev/null 2>&1 || { echo "$command is still missing after apt-get install" >&2; exit 1; }
done
