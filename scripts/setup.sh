#!/usr/bin/env bash
# Installs what cacheproof needs to start its own services: redis-server and
# MariaDB from apt, and the real Toxiproxy server built with Go into .tools/bin;
# also Chromium (the report browser tests) unless CACHEPROOF_SKIP_BROWSER=1, and
# actionlint (the workflow test) next to Toxiproxy.
# Idempotent: a second run only checks and prints versions. Never starts a
# system service (apt's service start-up is held off with policy-rc.d).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$ROOT/.tools/bin"
TOXIPROXY_VERSION="v2.12.0"
TOXIPROXY_BIN="$TOOLS_BIN/toxiproxy-server"
# The newest the Go module proxy serves; it needs Go >= 1.25 (Toxiproxy v2.12.0: Go >= 1.23).
ACTIONLINT_VERSION="v1.7.12"
ACTIONLINT_BIN="$TOOLS_BIN/actionlint"
SKIP_BROWSER="${CACHEPROOF_SKIP_BROWSER:-0}"
started=$(date +%s.%N)

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

find_mariadbd() {
  for candidate in mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; do
    if have "$candidate"; then command -v "$candidate"; return 0; fi
  done
  return 1
}

missing_pkgs=()
have redis-server || missing_pkgs+=(redis-server)
if ! find_mariadbd >/dev/null || ! { have mariadb-install-db || have mysql_install_db; }; then
  missing_pkgs+=(mariadb-server)
fi
# Debian's browser, driven by the report browser tests (test/reports/browser.int.test.ts);
# a benchmark-only machine (the CI bench job) skips it with CACHEPROOF_SKIP_BROWSER=1.
if [[ "$SKIP_BROWSER" != 1 ]]; then have chromium || missing_pkgs+=(chromium); fi

if ((${#missing_pkgs[@]})); then
  if ! have apt-get; then
    fail "missing ${missing_pkgs[*]} and no apt-get here: install Redis >= 6, MariaDB >= 10.6 (server binaries redis-server, mariadbd, mariadb-install-db) and Chromium (for the report browser tests) with your package manager, then run 'npm run setup' again"
  fi
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    if have sudo && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      fail "missing ${missing_pkgs[*]}; installing needs root: run 'sudo apt-get install -y ${missing_pkgs[*]}' (or run 'sudo npm run setup'), then 'npm run setup' again"
    fi
  fi
  say "installing ${missing_pkgs[*]} with apt-get (system services are not started)"
  # policy-rc.d exit 101 tells invoke-rc.d not to start the daemons apt installs.
  placed_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    $SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
    placed_policy=1
  fi
  cleanup_policy() { if ((placed_policy)); then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
  cleanup_policy
  trap - EXIT
fi

if [[ ! -x "$TOXIPROXY_BIN" ]] || ! "$TOXIPROXY_BIN" --version 2>/dev/null | grep -q "${TOXIPROXY_VERSION#v}"; then
  have go || fail "Go is needed to build Toxiproxy: install Go >= 1.23 (https://go.dev/doc/install or 'apt-get install golang'), then run 'npm run setup' again"
  say "building toxiproxy server $TOXIPROXY_VERSION with go install into .tools/bin"
  mkdir -p "$TOOLS_BIN"
  # go install leaves the version string at "git"; stamp the real one so the check above works.
  GOBIN="$TOOLS_BIN" go install -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION#v}" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION"
  mv -f "$TOOLS_BIN/server" "$TOXIPROXY_BIN"
fi

# actionlint checks .github/workflows (test/workflows/bench-workflow.test.ts). Not needed to
# run benchmarks, so a failed build is a warning; the test then fails under CI=true.
if [[ ! -x "$ACTIONLINT_BIN" ]] || ! "$ACTIONLINT_BIN" -version 2>/dev/null | grep -q "^${ACTIONLINT_VERSION}$"; then
  if have go; then
    say "building actionlint $ACTIONLINT_VERSION with go install into .tools/bin"
    mkdir -p "$TOOLS_BIN"
    GOBIN="$TOOLS_BIN" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" ||
      say "warning: could not build actionlint (it needs Go >= 1.25); the workflow test will skip outside CI"
  else
    say "warning: no Go to build actionlint; the workflow test will skip outside CI"
  fi
fi


mariadbd_path="$(find_mariadbd)"
say "redis-server  $(redis-server --version | sed -E 's/.*v=([^ ]+).*/\1/')"
say "mariadbd      $("$mariadbd_path" --version | sed -E 's/.*Ver ([^ ]+).*/\1/')"
say "toxiproxy     $("$TOXIPROXY_BIN" --version 2>&1 | tail -n1)"
if [[ "$SKIP_BROWSER" == 1 ]]; then say "chromium      skipped (CACHEPROOF_SKIP_BROWSER=1)"; else
  say "chromium      $(chromium --version 2>/dev/null | sed -E 's/^Chromium ([^ ]+).*/\1/')"
fi
[[ -x "$ACTIONLINT_BIN" ]] && say "actionlint    $("$ACTIONLINT_BIN" -version | head -n1)"
say "done in $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')s"
