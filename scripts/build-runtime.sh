#!/usr/bin/env bash
# Builds the production layout — exactly what the Docker image runs — without Docker:
#   <folder>/package.json, package-lock.json   the runtime manifest derived from the bundle (apps/api/runtime-manifest.js)
#   <folder>/node_modules                      `npm install --omit=dev` of that manifest, with the pinned npm
#   <folder>/main.js                           the server bundle
#   <folder>/web/                              the built console
# The Dockerfile runs this very script (build stage) and copies <folder> to /app, so CI's layout and the
# image's are made by the same steps.
#
# Usage: scripts/build-runtime.sh [--skip-build] [<folder>]
#   --skip-build  use the dist/ already built (npx nx run-many -t build -p api web)
#   <folder>      where to lay it out; default $TMPDIR/stockroom-runtime-<hash of this checkout>. It must not
#                 lie inside a folder that has a node_modules (such as this checkout): Node looks for modules
#                 in every parent folder, so a missing runtime module would be found there and go unnoticed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

build=1
if [ "${1:-}" = --skip-build ]; then build=0; shift; fi
default_folder() { echo "${TMPDIR:-/tmp}/stockroom-runtime-$(printf %s "$repo" | cksum | cut -d' ' -f1)"; }
out=${1:-$(default_folder)}
out=$(realpath -m "$out")

step() { echo "build-runtime: $*"; }
fail() { echo "build-runtime: FAILED: $*" >&2; exit 1; }

# Node resolves modules from every parent folder: refuse a place where the workspace's would be found.
d=$out
while [ "$d" != / ]; do
  d=$(dirname "$d")
  if [ -e "$d/node_modules" ]; then
    fail "$out lies under $d, which has a node_modules: modules missing from the runtime layout would be loaded from there. Choose a folder outside (e.g. under ${TMPDIR:-/tmp})."
  fi
done

if [ "$build" = 1 ]; then
  step "building the server and the console (nx run-many -t build -p api web)"
  buildlog=$(mktemp)
  trap 'rm -f "$buildlog"' EXIT
  if ! NX_NO_CLOUD=true NX_DAEMON=false npx nx run-many -t build -p api web >"$buildlog" 2>&1; then
    tail -n 60 "$buildlog"
    fail "the build failed (npx nx run-many -t build -p api web)"
  fi
fi
for f in dist/apps/api/main.js dist/apps/api/package.json dist/apps/api/package-lock.json dist/apps/web/browser/index.html; do
  [ -f "$f" ] || fail "$f is missing: build first (npx nx run-many -t build -p api web)"
done

# A fresh folder: an earlier layout made by this script is replaced, anything else is left alone.
if [ -e "$out" ]; then
  [ -f "$out/.stockroom-runtime" ] || [ -z "$(ls -A "$out")" ] || fail "$out exists and is not a layout made by this script"
  rm -rf "$out"
fi
mkdir -p "$out"
touch "$out/.stockroom-runtime"

step "1/4 runtime manifest → $out (package.json + package-lock.json, derived from the bundle)"
cp dist/apps/api/package.json dist/apps/api/package-lock.json "$out/"

# The npm version is pinned in the manifest (devEngines): the image and CI install with the same one, so
# the same install scripts run (npm 11 runs only those in allowScripts) and the trees are identical.
pin=$(node -p "require('$out/package.json').devEngines.packageManager.version")
if [ "$(npm --version)" = "$pin" ]; then npm=(npm); else npm=(npx --yes "npm@$pin"); fi
step "2/4 npm install --omit=dev with npm $pin"
(cd "$out" && "${npm[@]}" install --omit=dev --no-audit --no-fund --loglevel=warn) || fail "npm install in $out"

step "3/4 server bundle and console"
cp dist/apps/api/main.js "$out/"
if [ -d dist/apps/api/assets ]; then cp -r dist/apps/api/assets "$out/"; fi
cp -r dist/apps/web "$out/web"

step "4/4 checks"
node apps/api/runtime-manifest.js check "$out" || fail "the runtime layout misses modules the bundle loads"
# npm 11 skips install scripts that allowScripts does not mention: every one here must be decided.
unreviewed=$(cd "$out" && { "${npm[@]}" install-scripts ls 2>&1 || true; })
grep -q 'No packages with unreviewed install scripts' <<<"$unreviewed" ||
  fail "install scripts that allowScripts does not decide (approve or deny them in the workspace package.json): $unreviewed"
echo "$unreviewed"
# As root, the embedded PostgreSQL runs as "postgres", which must read its binaries here.
chmod -R a+rX "$out"
step "OK: $(du -sh "$out" | cut -f1) in $out ($(node -p "Object.keys(require('$out/package.json').dependencies).length") runtime packages). Start it: (cd $out && node main.js)"
