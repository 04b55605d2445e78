#!/usr/bin/env bash
# The newcomer's first command, checked: `npm start` with no DATABASE_URL (embedded PostgreSQL,
# disk storage) serves the API and the console, prints the Admin password once, and a newcomer
# can sign in, create a user and a feed key, and use the key with curl; data survives a restart.
set -euo pipefail
export DISABLE_V8_COMPILE_CACHE=1 # ts-node (under nx) would leave its compile cache in the temp folder
cd "$(dirname "$0")/.."
# As root, the embedded PostgreSQL runs as "postgres", which must reach node_modules through
# every parent folder of this checkout; say so loudly instead of failing for the environment's sake.
if [ "$(id -u)" = 0 ]; then
  d=$(pwd)
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    mode=$(stat -c %a "$d")
    if [ $(( ${mode: -1} & 1 )) = 0 ]; then # no execute bit for others
      echo "smoke: SKIPPED — running as root and $d is not enterable by the postgres user (chmod o+x $d to run it)"
      exit 0
    fi
  done
fi
dir=$(mktemp -d)
chmod 755 "$dir" # as root, the embedded PostgreSQL runs as "postgres" and must reach it
log="$dir/server.log"
: >"$log"
pid=""
port=""
base=""
cleanup() {
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

# PORT=0: the system hands the server a free port, and the server prints the URL it got
# ("Stockroom listening on http://<host>:<port>"), read from its log.
start() {
  local seen
  seen=$(grep -c "Stockroom listening on http://" "$log" || true)
  env -u DATABASE_URL PORT=0 STOCKROOM_DATA_DIR="$dir/data" npm start >>"$log" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 1 180); do
    if [ -z "$port" ] && [ "$(grep -c "Stockroom listening on http://" "$log" || true)" -gt "$seen" ]; then
      port=$(grep -o "Stockroom listening on http://[^ ]*" "$log" | tail -1 | sed -E 's/^[^:]*:[^:]*:([0-9]+).*/\1/')
      base="http://127.0.0.1:$port"
    fi
    [ -n "$port" ] && curl -fs "$base/health" >/dev/null 2>&1 && return 0
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
pw=$(sed -n 's/.*Created user "Admin" with password: \([A-Za-z0-9_-]*\).*/\1/p' "$log" | head -1)
[ -n "$pw" ] || { cat "$log"; echo "smoke: the first start printed no Admin password"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/security/users")" = 401 ] || { echo "smoke: anonymous not refused"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -u "Admin:wrong-password" "$base/api/management/feeds/list")" = 401 ] || {
  echo "smoke: a wrong password was not refused"; exit 1; }
# From here on every curl acts as Admin, as the README tells a newcomer to do.
curl() { command curl -u "Admin:$pw" "$@"; }
curl -fs -X POST "$base/api/security/users" -H 'Content-Type: application/json' -d '{"userName":"ci","password":"ci-password-1"}' >/dev/null
curl -fs -X POST "$base/api/management/feeds/create" -H 'Content-Type: application/json' -d '{"name":"smoke","feedType":"asset"}' >/dev/null
echo "smoke payload" >"$dir/payload.txt"
curl -fs -X POST --data-binary @"$dir/payload.txt" "$base/endpoints/smoke/content/a/payload.txt" >/dev/null
key=$(curl -fs -X POST "$base/api/api-keys/create" -H 'Content-Type: application/json' \
  -d '{"type":"Feed","feed":"smoke","packagePermissions":["view"]}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
[ "$(command curl -fs -H "X-ApiKey: $key" "$base/endpoints/smoke/content/a/payload.txt")" = "smoke payload" ] || {
  echo "smoke: the feed key cannot download"; exit 1; }
[ "$(command curl -s -o /dev/null -w '%{http_code}' -H "X-ApiKey: $key" -X POST --data-binary x "$base/endpoints/smoke/content/k.txt")" = 403 ] || {
  echo "smoke: a view-only feed key could upload"; exit 1; }
curl -fs "$base/" | grep -q "<title>Stockroom</title>" || { echo "smoke: console not served"; exit 1; }

# Client habits of spec §8, as curl scripts send them.
expect() { # expect <want> <got> <what>
  [ "$1" = "$2" ] || { echo "smoke: $3: expected $1, got $2"; exit 1; }
}
ep="$base/endpoints/smoke"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect 201 "$(code -X POST -H 'Content-Type:' --data-binary @"$dir/payload.txt" "$ep/content/habits/nocontenttype.txt")" "upload without Content-Type (pgutil)"
expect text/plain "$(curl -fs -o /dev/null -w '%{content_type}' "$ep/content/habits/nocontenttype.txt")" "type from the extension"
expect 200 "$(code "$ep/dir/habits?recursive=false)")" "pgutil's stray ')' in recursive"
expect 200 "$(code -I "$ep/content/habits/nocontenttype.txt")" "HEAD existing (Cake)"
expect 404 "$(code -I "$ep/content/habits/missing.txt")" "HEAD missing (Cake)"
expect 400 "$(code -X PUT --data-binary x "$ep/content/habits/nocontenttype.txt")" "PUT onto an existing file (Cake)"
expect 201 "$(code -X POST --data-binary '' "$ep/content/habits/big.bin")" "empty POST before multipart (ProGetAutomation)"
expect 200 "$(code -X POST --data-binary 'hello ' "$ep/content/habits/big.bin?multipart=upload&id=smoke-1&index=0&offset=0&totalSize=11&partSize=6&totalParts=2")" "multipart part 0"
expect 200 "$(code -X POST --data-binary 'world' "$ep/content/habits/big.bin?multipart=upload&id=smoke-1&index=1&offset=6&totalSize=11&partSize=5&totalParts=2")" "multipart part 1"
expect 200 "$(code -X POST "$ep/content/habits/big.bin?multipart=complete&id=smoke-1")" "multipart complete"
expect "world" "$(curl -fs -H 'Range: bytes=6-10' "$ep/content/habits/big.bin")" "Range read"
curl -fs -D - -o /dev/null "$ep/content/habits/big.bin" | grep -qi '^x-proget-version:' || { echo "smoke: no X-ProGet-Version"; exit 1; }
expect 200 "$(code -X DELETE "$ep/content/habits/big.bin")" "DELETE content (ProGetAutomation)"
expect 200 "$(code -X POST "$ep/delete/habits?recursive=true")" "POST delete/ recursive (pgutil)"
stop
start
[ "$(curl -fs "$base/endpoints/smoke/content/a/payload.txt")" = "smoke payload" ] || { echo "smoke: file lost across restart"; exit 1; }
[ "$(grep -c 'Created user "Admin"' "$log")" = 1 ] || { echo "smoke: the Admin password was printed again"; exit 1; }
stop
echo "smoke: npm start on the embedded database: OK (served API + console, Admin password printed once, user + feed key + curl, spec §8 client habits, data kept across restart)"
