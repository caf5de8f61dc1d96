#!/usr/bin/env bash
# Runs the test suite with Node's built-in runner.
#   scripts/test.sh              typecheck, lint, unit tests, then integration tests
#   scripts/test.sh unit         unit tests only (*.test.ts, no services)
#   scripts/test.sh integration  integration tests only (*.int.test.ts, real local services)
# Integration tests start their own Redis, MariaDB and Toxiproxy; the setup runs first
# when a service binary is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
which_tests="${1:-all}"

unit_files=$(find test -name '*.test.ts' ! -name '*.int.test.ts' | sort)
integration_files=$(find test -name '*.int.test.ts' | sort)

run() {
  # shellcheck disable=SC2086
  node --import tsx --test --test-reporter=spec --test-concurrency=1 $1
}

case "$which_tests" in
  unit) run "$unit_files" ;;
  integration)
    bash scripts/ensure-services.sh
    run "$integration_files" ;;
  all)
    npx tsc --noEmit
    npx biome check .
    bash scripts/ensure-services.sh
    run "$unit_files $integration_files" ;;
  *) echo "usage: scripts/test.sh [unit|integration]" >&2; exit 2 ;;
esac
