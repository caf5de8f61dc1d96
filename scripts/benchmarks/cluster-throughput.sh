#!/usr/bin/env bash
# cache-aside on ycsb-b with one Redis against a Redis Cluster (three masters, one replica
# each), in alternating runs (single, cluster, single, …) so a shared machine's drift falls on
# both; prints each run's goodput and read p99, then the median and range of each.
#   scripts/benchmarks/cluster-throughput.sh [runs (3)] [duration (10s)]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
runs="${1:-3}"
duration="${2:-10s}"
out="$(mktemp -d "${TMPDIR:-/tmp}/cacheproof-cluster-throughput-XXXXXX")"
for run in $(seq 1 "$runs"); do
  for topology in single cluster; do
    dir="$out/$topology-$run"
    npm run --silent bench -- --strategy cache-aside --workload ycsb-b --duration "$duration" \
      --seed "$run" --cache-topology "$topology" --out "$dir" >/dev/null 2>"$dir.log"
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1] + "/result.json", "utf8"));
      console.log([process.argv[2], process.argv[3], r.throughput.goodput, r.latency.read.p99, r.cpu?.saturated ?? ""].join("\t"));
    ' "$dir" "$topology" "$run"
  done
done | tee "$out/runs.tsv"
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t"));
  for (const topology of ["single", "cluster"]) {
    const of = (i) => rows.filter((r) => r[0] === topology).map((r) => Number(r[i])).sort((a, b) => a - b);
    const med = (v) => (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    const g = of(2), p = of(3);
    console.log(`${topology.padEnd(8)} goodput ${med(g).toFixed(0)} ok ops/s (${g[0].toFixed(0)}–${g.at(-1).toFixed(0)}), read p99 ${med(p).toFixed(1)} ms (${p[0].toFixed(1)}–${p.at(-1).toFixed(1)}), n=${g.length}`);
  }
' "$out/runs.tsv"
rm -rf "$out"
