#!/usr/bin/env bash
# Times the full-depth CPU forward of vitprobe (JMH) and of PyTorch (torchvision ViT, same shapes, random
# weights, fp32) in one run on this machine, and prints images/s side by side with the ratio.
# Two more rows run ViT-S/8 (batch 8) in a JVM that first ran a small model (D=64, head dim 16) or ViT-B/16:
# the speed must not depend on what ran before.
# Usage: bench/cpu-forward.sh [threads]   (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/jmh.sh
threads="${1:-$(nproc)}"
out=$(mktemp -d)
run_jmh ForwardBenchmark "$threads" "$out/jmh.json" -w 5s -r 5s
run_jmh ForwardBenchmark "$threads" "$out/after.json" -w 5s -r 5s -p model=vits8 -p batch=8 -p after=small,vitb16
if /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  /usr/bin/python3 bench/peers/torch_vit_cpu.py "$threads" 5 >"$out/torch.txt"
else
  echo "(PyTorch peer skipped: apt-get install python3-torch python3-torchvision)" >&2
  : >"$out/torch.txt"
fi
grep -q '"primaryMetric"' "$out/jmh.json" || { cat "$out/jmh.json.log"; exit 1; }
/usr/bin/python3 - "$out/jmh.json" "$out/torch.txt" "$threads" "$out/after.json" <<'PY'
import json, sys
ours, after = {}, []
for r in json.load(open(sys.argv[1])):
    p = r["params"]
    ours[(p["model"], int(p["batch"]))] = int(p["batch"]) / r["primaryMetric"]["score"]
for r in json.load(open(sys.argv[4])):
    p = r["params"]
    after.append((p["model"], int(p["batch"]), p["after"], int(p["batch"]) / r["primaryMetric"]["score"]))
torch = {}
for line in open(sys.argv[2]):
    _, model, batch, ips = line.split()
    torch[(model, int(batch))] = float(ips)
print(f"CPU forward, {sys.argv[3]} threads, fp32, full depth (images/s)")
print(f"{'model':8} {'batch':>5} {'vitprobe':>9} {'pytorch':>9} {'ratio':>6}")
for key in sorted(ours):
    t = torch.get(key)
    ratio = f"{ours[key] / t:6.2f}" if t else "     -"
    print(f"{key[0]:8} {key[1]:5d} {ours[key]:9.3f} {t if t else float('nan'):9.3f} {ratio}")
print("same forward in a JVM that ran another model first (images/s; ratio to the fresh JVM above)")
for model, batch, first, ips in after:
    print(f"{model:8} {batch:5d} after {first:7} {ips:9.3f} {ips / ours[(model, batch)]:6.2f}")
PY
rm -rf "$out"
