#!/usr/bin/env bash
# The production smoke (see production-smoke.mjs): starts the layout of scripts/build-runtime.sh and uses it
# over HTTP. Usage: scripts/production-smoke.sh [<runtime folder>] [--database-url URL]
set -euo pipefail
exec node "$(dirname "$0")/production-smoke.mjs" "$@"
