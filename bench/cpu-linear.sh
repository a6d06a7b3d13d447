#!/usr/bin/env bash
# GFLOP/s of one CPU linear layer (out = in · Wᵀ + bias) on the layer shapes of a batch of 8 images of DINO ViT-S/8
# and MAE ViT-B/16 (JMH LinearBenchmark): the GEMM micro-kernel's speed without the rest of the forward, and its
# share of the machine's measured FMA peak (FmaPeakBenchmark, same threads).
# Usage: bench/cpu-linear.sh [threads]   (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/jmh.sh
threads="${1:-$(nproc)}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
peak=$(fma_peak_gflops "$threads")
run_jmh LinearBenchmark "$threads" "$out/jmh.json"
/usr/bin/python3 - "$out/jmh.json" "$threads" "$peak" <<'PY'
import json, sys
peak = float(sys.argv[3])
print(f"CPU linear layer, {sys.argv[2]} threads, fp32; measured FMA peak {peak:.1f} GFLOP/s")
print(f"{'M x K x N':>16} {'ms':>8} {'GFLOP/s':>8} {'of peak':>8}")
for r in json.load(open(sys.argv[1])):
    m, k, n = map(int, r["params"]["shape"].split("x"))
    ns = r["primaryMetric"]["score"]
    gflops = 2 * m * k * n / ns
    print(f"{r['params']['shape']:>16} {ns / 1e6:8.2f} {gflops:8.1f} {100 * gflops / peak:7.1f}%")
PY
