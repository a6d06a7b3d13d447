#!/usr/bin/env bash
# Spark in local mode against the single-machine commands, in the same run. Extraction: images/s of `vitprobe
# extract`, of --spark local[1] and of --spark local[2] (each rate as the command prints it, Spark's session start
# included), the ratio to the single-machine rate, and whether the output is byte-identical. Probing: cells/s of
# `vitprobe experiment` on those features (24 cells: six token types, hyperplane and cosine k=1,2,4, 3 trials),
# alone and with --spark local[1] / local[2] (cells over the command's "experiment done in" time), and whether
# results.json is equal.
# Usage: bench/spark-scaling.sh [model] [images]
#   (default: random:vits8, 48 images of 500x375, the six token types at F16, batch 16, the CPU backend)
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-random:vits8}"
images="${2:-48}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Runs a command quietly; on failure shows what it printed and stops.
quiet() {
  "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log" >&2; exit 1; }
}
quiet ./vitprobe extract --help --spark x   # builds the CLI and the spark module once, outside the timings
per_class=$(( (images + 5) / 6 ))
quiet ./vitprobe synth --kind classification --out "$work/set" --classes 6 --train "$per_class" --test 2 \
  --width 500 --height 375 --seed 1
common=(--model "$model" --device cpu --tokens q,k,v,x,y,y_norm --dtype f16 --batch 16 --shard-size 16
  --dataset "$work/set")
rate() { sed 's/\r/\n/g' "$work/step.log" | sed -n 's/.* images in .*; \([0-9.]*\) images\/s$/\1/p'; }
quiet ./vitprobe extract "${common[@]}" --out "$work/here"
single=$(rate)
printf '%-28s %8s images/s\n' "vitprobe extract" "$single"
for master in 'local[1]' 'local[2]'; do
  quiet ./vitprobe extract "${common[@]}" --out "$work/$master" --spark "$master"
  r=$(rate)
  same=identical
  diff -rq -x .vitprobe.lock "$work/here" "$work/$master" >/dev/null || same=DIFFERENT
  printf '%-28s %8s images/s  %.2fx single  output %s\n' "--spark $master" "$r" \
    "$(awk -v a="$r" -v b="$single" 'BEGIN { print a / b }')" "$same"
done
# The experiment: its features extracted once (untimed), each timed run starting from a copy of them, so that
# only the cells are computed.
cat >"$work/grid.json" <<JSON
{"models": {"m": "$model"}, "tasks": {"classification": {"dataset": "set"}},
 "tokens": ["q", "k", "v", "x", "y", "y_norm"], "k": [1, 2, 4], "trials": 3, "batch": 16, "device": "cpu"}
JSON
quiet ./vitprobe experiment "$work/grid.json" --no-report --out "$work/exp-features"
cells() {
  local out="$work/exp-$1"
  mkdir -p "$out"
  cp -r "$work/exp-features/features" "$out/"
  shift
  quiet ./vitprobe experiment "$work/grid.json" --no-report --out "$out" "$@"
  local secs
  secs=$(sed -n 's/^experiment done in \([0-9.]*\) s.*/\1/p' "$work/step.log")
  awk -v s="$secs" 'BEGIN { printf "%.3f", 24 / s }'
}
single_cells=$(cells here)
printf '%-28s %8s cells/s\n' "vitprobe experiment" "$single_cells"
for master in 'local[1]' 'local[2]'; do
  r=$(cells "$master" --spark "$master")
  same=equal
  cmp -s <(sed "s|$work/exp-here|OUT|g" "$work/exp-here/results.json") \
    <(sed "s|$work/exp-$master|OUT|g" "$work/exp-$master/results.json") || same=DIFFERENT
  printf '%-28s %8s cells/s   %.2fx single  results.json %s\n' "--spark $master" "$r" \
    "$(awk -v a="$r" -v b="$single_cells" 'BEGIN { print a / b }')" "$same"
done
echo "$(( per_class * 6 + 12 )) images, $model, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
