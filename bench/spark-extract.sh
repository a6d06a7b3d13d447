#!/usr/bin/env bash
# Extraction on Spark in local mode against `vitprobe extract` on one machine, in the same run: images/s of the
# single-machine command, of --spark local[1] and of --spark local[2] (each rate as the command prints it, Spark's
# session start included), the ratio of each to the single-machine rate, and whether every output is
# byte-identical to the single-machine one.
# Usage: bench/spark-extract.sh [model] [images]
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
quiet ./vitprobe synth --kind classification --out "$work/set" --classes 6 --train "$per_class" --test 0 \
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
echo "$images images, $model, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
