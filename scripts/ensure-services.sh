#!/usr/bin/env bash
# Runs the idempotent setup only when a service binary is missing, and says so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]]; } || missing+=(mariadbd)
[[ -x .tools/bin/toxiproxy-server ]] || missing+=(toxiproxy-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ((${#missing[@]})); then
  echo "cacheproof: ${missing[*]} not found; running 'npm run setup' first" >&2
  bash scripts/setup.sh
fi
