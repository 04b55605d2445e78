#!/usr/bin/env bash
# The newcomer's first command, checked: `npm start` with no DATABASE_URL (embedded PostgreSQL,
# disk storage) serves the API and the console; data survives a restart.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
chmod 755 "$dir" # as root, the embedded PostgreSQL runs as "postgres" and must reach it
port=$((20000 + RANDOM % 20000))
log="$dir/server.log"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

start() {
  env -u DATABASE_URL PORT=$port STOCKROOM_DATA_DIR="$dir/data" npm start >>"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 180); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "smoke: server exited"; exit 1; }
    sleep 1
  done
  cat "$log"; echo "smoke: server did not become healthy"; exit 1
}
stop() {
  kill -INT "$pid"; wait "$pid" || true; pid=""
}

start
grep -q "is running at http://localhost:$port" "$log" || { cat "$log"; echo "smoke: no URL printed"; exit 1; }
base="http://127.0.0.1:$port"
curl -fs -X POST "$base/api/management/feeds/create" -H 'Content-Type: application/json' -d '{"name":"smoke","feedType":"asset"}' >/dev/null
echo "smoke payload" >"$dir/payload.txt"
curl -fs -X POST --data-binary @"$dir/payload.txt" "$base/endpoints/smoke/content/a/payload.txt" >/dev/null
curl -fs "$base/" | grep -q "<title>Stockroom</title>" || { echo "smoke: console not served"; exit 1; }
stop
start
[ "$(curl -fs "$base/endpoints/smoke/content/a/payload.txt")" = "smoke payload" ] || { echo "smoke: file lost across restart"; exit 1; }
stop
echo "smoke: npm start on the embedded database: OK (served API + console, data kept across restart)"
