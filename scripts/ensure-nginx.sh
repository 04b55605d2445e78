#!/usr/bin/env bash
# nginx (Debian's nginx-light) for the connector tests (issue 20) and the benchmarks: installed when
# missing (root, apt-get). The package's own service is not used: tests start a private nginx.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "nginx is missing. Install it (sudo apt-get install -y nginx-light)." >&2
  exit 1
fi
echo "Installing nginx (nginx-light) for the connector tests…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y nginx-light >/tmp/stockroom-nginx-install.log 2>&1; then
  apt-get update >>/tmp/stockroom-nginx-install.log 2>&1
  apt-get install -y nginx-light >>/tmp/stockroom-nginx-install.log 2>&1 || {
    tail -20 /tmp/stockroom-nginx-install.log >&2
    exit 1
  }
fi
# The package may start its own service on port 80: the tests need none of it.
service nginx stop >/dev/null 2>&1 || true
