#!/usr/bin/env bash
# Times `vitprobe probe` on a Broden-sized synthetic pair of probe files (1,197 concepts in five categories, patch
# tokens, F16, from bench/broden_probe_data.py): wall and CPU time of the whole process, and the load / train /
# evaluate split it reports, for the given rules (default: the mined hyperplane solver and the cosine rule; lbfgs
# fits every concept on all its negatives, far more work at this size).
# Usage: bench/probe-broden-size.sh [TRAIN_IMAGES] [JAR] [RULE...]   (default 20000 training images of 16 patches, a
# quarter as many test images; the jar defaults to cli/target/vitprobe.jar, built first; a RULE is e.g. "cosine"
# or "hyperplane --solver lbfgs")
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
images="${1:-20000}" jar="${2:-}"
rules=("${@:3}")
[ ${#rules[@]} -gt 0 ] || rules=("hyperplane --solver mined" "cosine")
python3 -c "import numpy" 2>/dev/null || { echo "needs numpy for python3: apt-get install python3-numpy" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -z "$jar" ]; then
  mvn -B -q -DskipTests -pl cli -am package >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
  jar=cli/target/vitprobe.jar
fi
(cd bench && python3 broden_probe_data.py "$out" --images "$images" --test-images $((images / 4)))
echo "$images training images × 16 patches, $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p'))"
for rule in "${rules[@]}"; do
  /usr/bin/time -o "$out/time" -f "%e s wall, %U s user + %S s system CPU (%P)" \
    java "${VITPROBE_JVM[@]}" -jar "$jar" \
    probe --rule $rule --train "$out/train.safetensors" --test "$out/test.safetensors" --out "$out/result.json" \
    >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  split=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$out/result.json")
  echo "$rule: $(cat "$out/time"); $split"
done
