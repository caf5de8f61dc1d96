#!/usr/bin/env bash
# The compare step of .github/workflows/bench.yml, runnable on any machine:
#   scripts/ci-bench-compare.sh <base dir> <head dir> <summary.md> [compare options...]
# Compares the head results (a run, matrix or grid directory) with the base ones under the
# default rules (npm run compare -- --help; any --threshold/--max-regression given replace
# them) and writes summary.md, the job summary: the verdict, what ran (the commits of base and
# head, plan, measured duration, seed, runs, strategies, runner), then the comparison, or the
# one line saying why there is none. compare.html, compare.json and compare.txt go next to it.
# A base that is missing or empty ("" included) means there is no baseline yet: the summary
# says so and the exit code is 0.
# Environment: BASE_COMMIT, HEAD_COMMIT and RUNNER replace what the results recorded.
# Exit codes (compare's): 0 every rule held or no baseline · 1 compare failed · 2 nothing to
# pair, different settings or an unreadable result · 3 a rule was crossed.
set -euo pipefail

if (($# < 3)); then
  echo "usage: scripts/ci-bench-compare.sh <base dir> <head dir> <summary.md> [compare options...]" >&2
  exit 2
fi
abs() { if [[ -z "$1" || "$1" == /* ]]; then printf '%s' "$1"; else printf '%s/%s' "$PWD" "$1"; fi; }
base="$(abs "$1")"
head="$(abs "$2")"
summary="$(abs "$3")"
shift 3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out="$(dirname "$summary")"
mkdir -p "$out"
if [[ ! -e "$head" ]]; then
  echo "ci-bench-compare: head $head: no such directory (the bench step wrote nothing)" >&2
  exit 2
fi

facts=(--head "$head")
[[ -n "${HEAD_COMMIT:-}" ]] && facts+=(--head-commit "$HEAD_COMMIT")
[[ -n "${BASE_COMMIT:-}" ]] && facts+=(--base-commit "$BASE_COMMIT")
[[ -n "${RUNNER:-}" ]] && facts+=(--runner "$RUNNER")
tool() { node --import tsx "$@"; }

if [[ -z "$base" || ! -d "$base" || -z "$(ls -A "$base" 2>/dev/null)" ]]; then
  {
    echo "## cacheproof performance gate: no baseline yet"
    echo
    echo "No earlier successful run of this workflow on the default branch with these settings left"
    echo "results to compare with, so nothing was judged; the head's results are in the artifact, and"
    echo "the next run on the default branch becomes the baseline."
    echo
    tool bench/cli/ci-summary.ts "${facts[@]}"
  } >"$summary"
  echo "ci-bench-compare: no baseline in '${base}': nothing compared, the job passes" >&2
  exit 0
fi

facts+=(--base "$base")
set +e
tool bench/cli/compare.ts "$base" "$head" --out "$out/compare.html" --markdown "$out/compare.md" --json "$@" \
  >"$out/compare.json" 2>"$out/compare.txt"
code=$?
set -e
cat "$out/compare.txt" >&2
case $code in
  0) verdict="✅ passed" ;;
  3) verdict="❌ a rule was crossed" ;;
  2) verdict="⚠️ not compared" ;;
  *) verdict="⚠️ compare failed (exit $code)" ;;
esac
{
  echo "## cacheproof performance gate: $verdict"
  echo
  tool bench/cli/ci-summary.ts "${facts[@]}"
  echo
  if [[ $code -eq 0 || $code -eq 3 ]]; then
    cat "$out/compare.md"
  else
    # compare refused or failed before writing: its own line says why.
    echo '```'
    grep '^compare: ' "$out/compare.txt" | tail -n 5
    echo '```'
  fi
} >"$summary"
exit "$code"
