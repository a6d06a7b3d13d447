#!/usr/bin/env bash
# GFLOP/s of one CPU linear layer (out = in · Wᵀ + bias) on the layer shapes of a batch of 8 images of DINO ViT-S/8
# and MAE ViT-B/16 (JMH LinearBenchmark): the GEMM micro-kernel's speed without the rest of the forward.
# Usage: bench/cpu-linear.sh [threads]   (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/jmh.sh
threads="${1:-$(nproc)}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run_jmh LinearBenchmark "$threads" "$out/jmh.json"
python3 - "$out/jmh.json" "$threads" <<'PY'
import json, sys
print(f"CPU linear layer, {sys.argv[2]} threads, fp32")
print(f"{'M x K x N':>16} {'ms':>8} {'GFLOP/s':>8}")
for r in json.load(open(sys.argv[1])):
    m, k, n = map(int, r["params"]["shape"].split("x"))
    ns = r["primaryMetric"]["score"]
    print(f"{r['params']['shape']:>16} {ns / 1e6:8.2f} {2 * m * k * n / ns:8.1f}")
PY
