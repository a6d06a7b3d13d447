#!/usr/bin/env bash
# One-shot check of the CUDA backend on a machine with an NVIDIA GPU, CUDA, PyTorch and timm but no Java.
# Prepare here first:   scripts/prepare-gpu-carry.sh        (needs nvcc and JDK 25; fills .gpu-carry/)
# Then, with the device tool:  run(command="bench/gpu-check.sh", carry=[".gpu-carry"], timeout_s=540)
# Steps (about 6-8 minutes): the GPU tests with VITPROBE_REQUIRE_GPU=1 (oracle fixtures in every precision, every
# operation and every intermediate against the CPU backend on fresh random data with poisoned outputs, graph replay
# and the 1,000-forward leak check); our forward timings; PyTorch + timm on the same card in the same call; one
# table. Logs go to $OUT when it is set (the device tool brings them back), else to /tmp/vitprobe-gpu.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
carry="$root/.gpu-carry"
work=/tmp/vitprobe-gpu
logs="${OUT:-$work/logs}"
mkdir -p "$work" "$logs"
[ -f "$carry/jdk.tar.xz" ] || { echo "gpu-check: $carry missing: run scripts/prepare-gpu-carry.sh first and carry .gpu-carry" >&2; exit 2; }
python3 - "$carry" "$work" <<'PY'
import sys, tarfile
carry, work = sys.argv[1], sys.argv[2]
for name in ("jdk.tar.xz", "fixtures.tar.xz"):
    with tarfile.open(f"{carry}/{name}") as t:
        t.extractall(work + ("" if name.startswith("jdk") else "/fixtures"))
PY
java="$work/jdk/bin/java"
cp="$carry/lib/*:$carry/classes/kernels:$carry/classes/vit-engine:$root/vit-engine/src/test/resources"
jvm=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g -Dvitprobe.fixtures="$work/fixtures" -cp "$cp")
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$logs/card.txt"
date -u +%Y-%m-%dT%H:%MZ >> "$logs/card.txt"

echo "== GPU tests (VITPROBE_REQUIRE_GPU=1)"
VITPROBE_REQUIRE_GPU=1 timeout 300 "$java" "${jvm[@]}" vitprobe.kernels.cuda.GpuTestMain \
    vitprobe.kernels.cuda.CudaBackendTest vitprobe.engine.CudaForwardTest > "$logs/tests.log" 2>&1
tests=$?
grep -E "^(FAILED|ABORTED)|relative error|passed, " "$logs/tests.log" | tail -60

echo "== our forward (device time from CUDA events; wall includes host<->device copies)"
cases=(vits8:64:fp32 vits8:64:bf16 vitb16:64:bf16 vits8:1:fp32 vits8:1:bf16)
timeout 200 "$java" "${jvm[@]}" vitprobe.engine.CudaForwardBenchmark "${cases[@]}" > "$logs/ours.txt" 2> "$logs/ours.err"
timeout 60 "$java" "${jvm[@]}" -Dvitprobe.cuda.fp32Gemm=simt vitprobe.engine.CudaForwardBenchmark vits8:64:fp32 \
    2>> "$logs/ours.err" | sed 's/ fp32 / fp32-simt /' >> "$logs/ours.txt"
cat "$logs/ours.txt"; tail -3 "$logs/ours.err"
echo "== where the device time goes (eager launches with an event pair per kernel; for tuning, not timing)"
timeout 90 "$java" "${jvm[@]}" -Dvitprobe.cuda.profile=true -Druns=3 vitprobe.engine.CudaForwardBenchmark vits8:64:bf16 vits8:64:fp32 \
    > "$logs/profile.txt" 2>> "$logs/ours.err"
grep -E "^profile" "$logs/profile.txt" | awk '$8 + 0 >= 2.0'   # kernels above 2% of the forward; all in profile.txt

echo "== PyTorch $(python3 -c 'import torch, timm; print(torch.__version__, "timm", timm.__version__)')"
PYTHONUNBUFFERED=1 timeout 240 python3 bench/peers/torch_vit_gpu.py vits8:64:fp32 vits8:64:bf16 vits8:64:compiled-bf16 \
    vitb16:64:bf16 vits8:1:fp32 vits8:1:bf16 > "$logs/torch.txt" 2> "$logs/torch.err"
cat "$logs/torch.txt"; tail -3 "$logs/torch.err"

echo "== $(head -1 "$logs/card.txt"), $(tail -1 "$logs/card.txt")"
python3 - "$logs/ours.txt" "$logs/torch.txt" <<'PY' | tee "$logs/table.txt"
import sys
ours = {}
for line in open(sys.argv[1]):
    f = line.split()
    if f and f[0] == "ours":
        ours[(f[1], int(f[2]), f[3])] = (float(f[4]), float(f[5]), float(f[6]), float(f[7]))
torch = {}
for line in open(sys.argv[2]):
    f = line.split()
    if f and f[0] == "torch":
        torch[(f[1], int(f[2]), f[3])] = float(f[4])
# (our case, PyTorch baseline, target ratio from the issue)
rows = [(("vits8", 64, "fp32"), "fp32", 1.15), (("vits8", 64, "fp32-simt"), "fp32", None),
        (("vits8", 64, "bf16"), "compiled-bf16", 1.1), (("vits8", 64, "bf16"), "bf16", None),
        (("vitb16", 64, "bf16"), "bf16", 1.1), (("vits8", 1, "fp32"), "fp32", 1.0), (("vits8", 1, "bf16"), "bf16", None)]
print(f"{'model':7} {'batch':>5} {'precision':10} {'ours img/s':>10} {'ours wall':>10} {'PyTorch':14} {'img/s':>8} {'ratio':>6} {'target':>6} {'6 interm.':>9}")
for case, mode, target in rows:
    o, t = ours.get(case), torch.get((case[0], case[1], mode))
    if o is None or t is None:
        print(f"{case[0]:7} {case[1]:5} {case[2]:10} missing ({'ours' if o is None else 'torch'})")
        continue
    ratio = o[0] / t
    verdict = "" if target is None else ("ok" if ratio >= target else "MISS")
    overhead = (o[3] / o[2] - 1) * 100
    print(f"{case[0]:7} {case[1]:5} {case[2]:10} {o[0]:10.1f} {o[1]:10.1f} {mode:14} {t:8.1f} {ratio:6.2f} "
          f"{'' if target is None else target:>6} {overhead:8.1f}% {verdict}")
print("ours img/s: device time of the forward (CUDA events, pixels on the device, outputs left there, like PyTorch);")
print("ours wall: the whole Java forward call incl. host->device pixels and device->host y_norm;")
print("6 interm.: extra device time of extracting q, k, v, x, y, y_norm of the last block over the plain forward.")
PY
echo "gpu tests exit code: $tests"
exit $tests
