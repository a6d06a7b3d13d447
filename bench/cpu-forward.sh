#!/usr/bin/env bash
# Times the full-depth CPU forward of vitprobe (JMH), ONNX Runtime's Java API (JMH, the PyTorch peer's encoder
# exported to ONNX) and PyTorch (torchvision ViT), same shapes, random weights, fp32, in one run on this machine,
# and prints images/s side by side with both ratios and the share of the machine's measured FMA peak each reaches.
# vitprobe and ONNX Runtime run row by row, one right after the other, so a change in the machine's speed during
# the run (a shared host) falls on both engines of a row alike. Two more rows run ViT-S/8 (batch 8) in a JVM that
# first ran a small model (D=64, head dim 16) or ViT-B/16: the speed must not depend on what ran before.
# The JMH results stay in bench/target/cpu-forward/TIME/.
# Usage: bench/cpu-forward.sh [threads]   (default: all cores). Needs python3-torch and python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/jmh.sh
threads="${1:-$(nproc)}"
out=bench/target/cpu-forward/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
onnx=bench/target/onnx
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null \
  || { echo "the peers need Debian's python3-torch and python3-torchvision (apt-get install them)" >&2; exit 1; }
[ -s "$onnx/vits8.onnx" ] && [ -s "$onnx/vitb16.onnx" ] || /usr/bin/python3 bench/peers/export_onnx.py "$onnx" >&2
peak=$(fma_peak_gflops "$threads")
# JMH: one fork per row, 2 warm-up and 5 measured iterations of 5 s.
timing=(-w 5s -r 5s -wi 2 -i 5)
for model in vitb16 vits8; do
  for batch in 1 8; do
    run_jmh ForwardBenchmark "$threads" "$out/ours-$model-$batch.json" "${timing[@]}" -p model=$model -p batch=$batch
    run_jmh OrtForwardBenchmark "$threads" "$out/ort-$model-$batch.json" "${timing[@]}" -p model=$model -p batch=$batch
  done
done
run_jmh ForwardBenchmark "$threads" "$out/after.json" "${timing[@]}" -p model=vits8 -p batch=8 -p after=small,vitb16
/usr/bin/python3 bench/peers/torch_vit_cpu.py "$threads" 5 >"$out/torch.txt"
# The same four rows with the two engines alternating in one JVM: a pair sees the machine in one state.
java "${VITPROBE_JVM[@]}" -Xmx8g -Dvitprobe.threads="$threads" \
  -cp bench/target/benchmarks.jar vitprobe.bench.AlternatingForward vitb16,vits8 1,8 7 2>/dev/null >"$out/pairs.txt"
/usr/bin/python3 - "$out" "$threads" "$peak" <<'PY'
import glob, json, sys
out, threads, peak = sys.argv[1], sys.argv[2], float(sys.argv[3])

def per_second(engine):
    rows = {}
    for path in glob.glob(f"{out}/{engine}-*.json"):
        for r in json.load(open(path)):
            p = r["params"]
            rows[(p["model"], int(p["batch"]))] = int(p["batch"]) / r["primaryMetric"]["score"]
    return rows

ours, ort = per_second("ours"), per_second("ort")
torch = {}
for line in open(f"{out}/torch.txt"):
    _, model, batch, ips = line.split()
    torch[(model, int(batch))] = float(ips)

def gflop(model):
    """FLOP of one image's forward: patch embedding, then per block qkv, projection, MLP and attention."""
    n, d, patch = (785, 384, 8) if model == "vits8" else (197, 768, 16)
    embed = 2 * (n - 1) * d * 3 * patch * patch
    return (embed + 12 * (2 * n * 12 * d * d + 4 * n * n * d)) / 1e9

print(f"CPU forward, {threads} threads, fp32, full depth (images/s); measured FMA peak {peak:.0f} GFLOP/s")
print(f"{'model':8} {'batch':>5} {'vitprobe':>9} {'onnxrt':>9} {'pytorch':>9} {'/onnxrt':>8} {'/pytorch':>8}"
      f" {'peak% ours':>10} {'onnxrt':>7} {'pytorch':>7}")
for key in sorted(ours):
    o, r, t = ours[key], ort.get(key), torch.get(key)
    share = lambda ips: f"{100 * ips * gflop(key[0]) / peak:6.1f}%" if ips else "      -"
    print(f"{key[0]:8} {key[1]:5d} {o:9.3f} {r or float('nan'):9.3f} {t or float('nan'):9.3f}"
          f" {o / r if r else float('nan'):8.2f} {o / t if t else float('nan'):8.2f}"
          f" {share(o):>10} {share(r):>7} {share(t):>7}")
print("batch 1 / batch 8, images/s: " + ", ".join(
    f"{m} {ours[(m, 1)] / ours[(m, 8)]:.2f}" for m in sorted({m for m, _ in ours}) if (m, 8) in ours))
print("same forward in a JVM that ran another model first (images/s; ratio to the fresh JVM above)")
for r in json.load(open(f"{out}/after.json")):
    p = r["params"]
    ips = int(p["batch"]) / r["primaryMetric"]["score"]
    print(f"{p['model']:8} {int(p['batch']):5d} after {p['after']:7} {ips:9.3f} "
          f"{ips / ours[(p['model'], int(p['batch']))]:6.2f}")
PY
echo "the same rows, vitprobe and ONNX Runtime alternating in one JVM (ONNX Runtime not spinning; medians of 7 pairs):"
cat "$out/pairs.txt"
echo "JMH results: $out"
