#!/usr/bin/env bash
# Times the full-depth CPU forward of vitprobe (JMH), ONNX Runtime's Java API (JMH, the PyTorch peer's encoder
# exported to ONNX) and PyTorch (torchvision ViT), same shapes, random weights, fp32, in one run on this machine,
# and prints images/s side by side with both ratios and the share of the machine's measured FMA peak each reaches.
# Two more rows run ViT-S/8 (batch 8) in a JVM that first ran a small model (D=64, head dim 16) or ViT-B/16:
# the speed must not depend on what ran before.
# Usage: bench/cpu-forward.sh [threads]   (default: all cores). Needs python3-torch and python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/jmh.sh
threads="${1:-$(nproc)}"
out=$(mktemp -d)
onnx=bench/target/onnx
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null \
  || { echo "the peers need Debian's python3-torch and python3-torchvision (apt-get install them)" >&2; exit 1; }
[ -s "$onnx/vits8.onnx" ] && [ -s "$onnx/vitb16.onnx" ] || /usr/bin/python3 bench/peers/export_onnx.py "$onnx" >&2
peak=$(fma_peak_gflops "$threads")
run_jmh ForwardBenchmark "$threads" "$out/jmh.json" -w 5s -r 5s
run_jmh OrtForwardBenchmark "$threads" "$out/ort.json" -w 5s -r 5s
run_jmh ForwardBenchmark "$threads" "$out/after.json" -w 5s -r 5s -p model=vits8 -p batch=8 -p after=small,vitb16
/usr/bin/python3 bench/peers/torch_vit_cpu.py "$threads" 5 >"$out/torch.txt"
/usr/bin/python3 - "$out" "$threads" "$peak" <<'PY'
import json, sys
out, threads, peak = sys.argv[1], sys.argv[2], float(sys.argv[3])

def per_second(name):
    rows = {}
    for r in json.load(open(f"{out}/{name}.json")):
        p = r["params"]
        rows[(p["model"], int(p["batch"]))] = int(p["batch"]) / r["primaryMetric"]["score"]
    return rows

ours, ort = per_second("jmh"), per_second("ort")
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
print("same forward in a JVM that ran another model first (images/s; ratio to the fresh JVM above)")
for r in json.load(open(f"{out}/after.json")):
    p = r["params"]
    ips = int(p["batch"]) / r["primaryMetric"]["score"]
    print(f"{p['model']:8} {int(p['batch']):5d} after {p['after']:7} {ips:9.3f} "
          f"{ips / ours[(p['model'], int(p['batch']))]:6.2f}")
PY
rm -rf "$out"
