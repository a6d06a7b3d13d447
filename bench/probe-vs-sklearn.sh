#!/usr/bin/env bash
# Trains one-vs-rest concept templates with scikit-learn's LogisticRegression() and with vitprobe (the study's
# hard-negative protocol, and the converged L-BFGS solver with the same objective as scikit-learn) on the same
# synthetic data in one run on this machine, and prints the balanced held-out accuracy (the same test draws for
# all) and the time of each, with the speed-up over scikit-learn.
# scikit-learn: fit time of LogisticRegression() per concept on float64 features (its fastest path), summed.
# vitprobe: wall time of the whole `vitprobe probe` process (JVM start, reading the files, training, evaluating),
# and its training time alone as the command reports it.
# Usage: bench/probe-vs-sklearn.sh [N] [D] [CONCEPTS]   (default 20000 384 200; test set N/2)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
n="${1:-20000}" dim="${2:-384}" concepts="${3:-200}"
/usr/bin/python3 -c "import sklearn" 2>/dev/null || { echo "needs scikit-learn: apt-get install python3-sklearn" >&2; exit 1; }
py="/usr/bin/python3 bench/probe_vs_sklearn.py"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# the command-line jar, built outside the timings
mvn -B -q -DskipTests -pl cli -am package >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
vitprobe() { java "${VITPROBE_JVM[@]}" -jar cli/target/vitprobe.jar "$@" 2>&1 \
  | grep -v "^WARNING: Using incubator"; }
$py data "$out" --n "$n" --test-n $((n / 2)) --dim "$dim" --concepts "$concepts"
sklearn=$($py sklearn "$out" "$out/sklearn.safetensors")
seconds=("sklearn=$sklearn")
for solver in mined lbfgs; do
  start=$(date +%s.%N)
  vitprobe probe --rule hyperplane --solver "$solver" --train "$out/train.safetensors" --test "$out/test.safetensors" \
    --out "$out/$solver.json" --save-templates "$out/$solver.safetensors" >/dev/null
  wall=$(awk "BEGIN { print $(date +%s.%N) - $start }")
  train=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds']['train'])" "$out/$solver.json")
  seconds+=("$solver=$wall,$train")
done
echo "$concepts one-vs-rest concepts, N=$n train / $((n / 2)) test, D=$dim, $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p'))"
$py compare "$out" sklearn="$out/sklearn.safetensors" mined="$out/mined.safetensors" lbfgs="$out/lbfgs.safetensors" \
  --seconds "${seconds[@]}"
