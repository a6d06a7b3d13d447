#!/usr/bin/env bash
# One run on a machine with an NVIDIA GPU, a CUDA driver, PyTorch and timm but no Java: proves the CUDA backend,
# times it against PyTorch in the same call and prints one table.
# Prepare here first:   scripts/prepare-gpu-carry.sh        (needs nvcc and JDK 25; fills .gpu-carry/)
# Then, with the device tool:  run(command="bench/gpu-check.sh", carry=[".gpu-carry"], timeout_s=560)
# Usage: bench/gpu-check.sh [STEP...], STEP among tests ours profile torch (default: all four, in that order).
#   driver (always first): the card, the driver's CUDA version against the kernels' (stops with one line if older)
#     and how long loading the kernel modules takes (milliseconds from the fatbins' sm_90 SASS, seconds if JIT);
#   tests: the GPU tests with VITPROBE_REQUIRE_GPU=1 and CI=true (a skipped test or a missing fixture fails): oracle
#     fixtures in every precision, every operation and every intermediate against the CPU backend on fresh random
#     data (batch 64 of the ViT-S/8 shape included), graph replay and the 1,000-forward leak check;
#   ours: our forward timings (device time, wall time, and the six intermediates copied into Java arrays);
#   profile: where the device time goes, per kernel (for tuning);
#   torch: PyTorch + timm on the same card, each case on its own, torch.compile last.
# The steps' own limits add up to 495 s and they share a budget of GPU_CHECK_BUDGET_S seconds (default 500), so
# the table (partial when a step timed out) always prints. Exit status: 0 when the tests passed and every target
# was met, 1 otherwise, 2 when the check cannot start (no carry, no usable GPU, driver too old). The logs go to
# $OUT when it is set (the device tool brings back 8 files at most), else to /tmp/vitprobe-gpu/logs.
# GPU_CHECK_JVM_OPTS adds JVM options (a dry run without a GPU:
# -Dvitprobe.cuda.driver=$PWD/kernels/target/emulator/libcudaemu.so).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
carry="$root/.gpu-carry"
work=/tmp/vitprobe-gpu
logs="${OUT:-$work/logs}"
budget="${GPU_CHECK_BUDGET_S:-500}"
steps=" ${*:-tests ours profile torch} "
mkdir -p "$work" "$logs"
# At most 8 files come back from $OUT: these seven and a JVM crash report.
rm -f "$logs"/{driver.txt,tests.log,ours.txt,profile.txt,torch.txt,table.txt,stderr.log,hs_err.log}
for step in $steps; do
  case "$step" in
    tests | ours | profile | torch) ;;
    *) echo "gpu-check: unknown step '$step' (known: tests ours profile torch)" >&2; exit 2 ;;
  esac
done
if [ ! -f "$carry/jdk.tar.xz" ]; then
  echo "gpu-check: $carry missing: run scripts/prepare-gpu-carry.sh first and carry .gpu-carry" >&2
  exit 2
fi

wants() { [[ "$steps" == *" $1 "* ]]; }

# bounded LIMIT COMMAND...: runs the command for at most LIMIT seconds, fewer when the budget is nearly spent (5 s
# stay for the table); returns its status (124: timed out), or 125 without running it when the budget is spent.
bounded() {
  local limit=$1 left=$((budget - SECONDS - 5))
  shift
  ((left < limit)) && limit=$left
  if ((limit < 5)); then echo "gpu-check: skipped, the ${budget} s budget is spent" >&2; return 125; fi
  timeout "$limit" "$@"
}

# said STATUS WHAT: one line on how a step ended.
said() {
  case "$1" in
    0) echo "-- $2: done ($SECONDS s elapsed)" ;;
    124) echo "-- $2: TIMED OUT, its results so far are kept ($SECONDS s elapsed)" ;;
    125) echo "-- $2: NOT RUN, budget spent" ;;
    *) echo "-- $2: FAILED with status $1 ($SECONDS s elapsed)" ;;
  esac
}

rm -rf "$work/jdk" "$work/fixtures"
if ! python3 bench/gpu_carry.py unpack "$carry/jdk.tar.xz" "$work" \
    || ! python3 bench/gpu_carry.py unpack "$carry/fixtures.tar.xz" "$work/fixtures"; then
  echo "gpu-check: could not unpack $carry" >&2
  exit 2
fi
java="$work/jdk/bin/java"
cp="$carry/lib/*:$carry/classes/kernels:$carry/classes/vit-engine:$root/vit-engine/src/test/resources"
read -ra extra <<< "${GPU_CHECK_JVM_OPTS:-}"
# A JVM crash report comes back with the logs (the eighth file).
jvm=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx32g -XX:ErrorFile="$logs/hs_err.log"
     "${extra[@]}" -Dvitprobe.fixtures="$work/fixtures" -cp "$cp")
# If the driver ever JIT-compiles the PTX (a card other than sm_90), later backends reuse the result.
export CUDA_CACHE_PATH="$work/cuda-cache"

echo "== driver"
# Card, driver and date first: the table's heading and the README's numbers name them.
card="no nvidia-smi"
command -v nvidia-smi > /dev/null \
    && card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)
echo "$card, $(date -u +%Y-%m-%dT%H:%MZ)" | tee "$logs/driver.txt"
# The JIT cache off here: a load that JIT-compiles shows its full cost.
CUDA_CACHE_DISABLE=1 bounded 30 "$java" "${jvm[@]}" vitprobe.kernels.cuda.DriverCheck 2>&1 | tee -a "$logs/driver.txt"
driver=${PIPESTATUS[0]}
if [ "$driver" -ne 0 ]; then
  said "$driver" driver
  echo "gpu-check: stopped, the CUDA backend cannot run here (see the line above)"
  exit 2
fi

tests="not run"
if wants tests; then
  echo "== GPU tests (VITPROBE_REQUIRE_GPU=1, CI=true)"
  CI=true VITPROBE_REQUIRE_GPU=1 bounded 160 "$java" "${jvm[@]}" vitprobe.kernels.cuda.GpuTestMain \
      vitprobe.kernels.cuda.CudaBackendTest vitprobe.engine.CudaForwardTest > "$logs/tests.log" 2>&1
  status=$?
  grep -E "^(FAILED|ABORTED|SKIPPED)|passed, " "$logs/tests.log" | cut -c1-600
  if ! grep -q "passed, " "$logs/tests.log"; then
    echo "$(grep -c '^SUCCESSFUL' "$logs/tests.log") tests passed before the stop; the last to finish:"
    grep -E "^(SUCCESSFUL|FAILED|ABORTED) " "$logs/tests.log" | tail -1 | cut -c1-300
  fi
  # The largest relative error per precision, with the line that printed it (every line is in tests.log).
  awk 'match($0, /relative error [0-9.e+-]+/) {
         e = substr($0, RSTART + 15, RLENGTH - 15) + 0
         p = match($0, /(fp32 simt|fp32|tf32|bf16)/) ? substr($0, RSTART, RLENGTH) : "?"
         if (!(p in worst) || e > worst[p]) { worst[p] = e; line[p] = $0 }
       }
       END { for (p in worst) printf "largest relative error, %-9s %.3e: %s\n", p, worst[p], line[p] }' \
      "$logs/tests.log" | sort
  said "$status" "GPU tests (log: tests.log)"
  tests=$([ "$status" -eq 0 ] && echo passed || echo FAILED)
fi

if wants ours; then
  echo "== our forward"
  cases=(vits8:64:fp32 vits8:64:bf16 vitb16:64:bf16 vits8:1:fp32 vits8:64:tf32 vits8:1:bf16)
  bounded 90 "$java" "${jvm[@]}" vitprobe.engine.CudaForwardBenchmark "${cases[@]}" \
      > "$logs/ours.txt" 2>> "$logs/stderr.log"
  said $? "our forward (ours.txt; each run's times in stderr.log)"
  bounded 25 "$java" "${jvm[@]}" -Dvitprobe.cuda.fp32Gemm=simt vitprobe.engine.CudaForwardBenchmark vits8:64:fp32 \
      2>> "$logs/stderr.log" | sed 's/ fp32 / fp32-simt /' >> "$logs/ours.txt"
  said "${PIPESTATUS[0]}" "our forward, fp32 with the CUDA-core GEMM"
  cat "$logs/ours.txt"
  grep -vE "^vits8|^vitb16|^WARNING: Using incubator" "$logs/stderr.log" | tail -5
fi

if wants profile; then
  echo "== where the device time goes (eager launches with an event pair per kernel; for tuning, not timing)"
  bounded 40 "$java" "${jvm[@]}" -Dvitprobe.cuda.profile=true -Druns=3 vitprobe.engine.CudaForwardBenchmark \
      vits8:64:bf16 vits8:64:fp32 > "$logs/profile.txt" 2>> "$logs/stderr.log"
  said $? "profile (profile.txt)"
  grep -E "^profile" "$logs/profile.txt" | awk '$8 + 0 >= 2.0' # kernels above 2% of the forward; all in profile.txt
fi

if wants torch; then
  echo "== PyTorch $(python3 -c 'import torch, timm; print(torch.__version__, "timm", timm.__version__)' 2>&1 \
      | tail -1)"
  PYTHONUNBUFFERED=1 bounded 150 python3 bench/peers/torch_vit_gpu.py vits8:64:fp32 vits8:64:bf16 vitb16:64:bf16 \
      vits8:1:fp32 vits8:64:tf32 vits8:1:bf16 vits8:64:compiled-bf16 > "$logs/torch.txt" 2>> "$logs/stderr.log"
  said $? "PyTorch (torch.txt; tracebacks in stderr.log)"
  cat "$logs/torch.txt"
fi

targets="not measured"
if wants ours || wants torch; then
  echo "== $(head -1 "$logs/driver.txt")"
  touch "$logs/ours.txt" "$logs/torch.txt"
  python3 bench/gpu_check_table.py "$logs/ours.txt" "$logs/torch.txt" | tee "$logs/table.txt"
  targets=$([ "${PIPESTATUS[0]}" -eq 0 ] && echo met || echo MISSED)
fi
echo "gpu-check: tests $tests, targets $targets, $SECONDS s of the ${budget} s budget"
[ "$tests" != FAILED ] && [ "$targets" != MISSED ]
