#!/usr/bin/env bash
# End-to-end extraction throughput of `vitprobe extract` (decode + preprocess + forward + write) on the seeded
# synthetic sets, with the share of each stage, and the disk each stored image costs, extrapolated to Broden.
# Usage: bench/extract-throughput.sh [model] [images]   (default: random:vits8, 96 images)
# Runs on the CPU backend (--device cpu) in a 1 GiB heap, on all cores of this machine. MAVEN_ARGS_EXTRA adds
# flags to the build (e.g. -o for offline).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
model="${1:-random:vits8}"
images="${2:-96}"
mvn -B -q -DskipTests package -pl cli -am ${MAVEN_ARGS_EXTRA:-} >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vp() {
  "$JAVA_HOME/bin/java" -Xmx1g "${VITPROBE_JVM[@]}" \
    -jar cli/target/vitprobe.jar "$@"
}
# Runs a command quietly; on failure shows what it printed and stops.
quiet() {
  "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log" >&2; exit 1; }
}
common=(--model "$model" --device cpu --tokens q,k,v,x,y,y_norm --precision f16 --batch 16)

per_class=$(( (images + 5) / 6 ))
quiet vp synth --kind classification --out "$work/cls" --classes 6 --train "$per_class" --test 0 --width 500 --height 375 --seed 1
quiet vp extract "${common[@]}" --dataset "$work/cls" --out "$work/cls-out"
cp "$work/step.log" "$work/cls.log"

quiet vp synth --kind broden --out "$work/broden" --images 32 --size 224 --seed 2
quiet vp extract "${common[@]}" --dataset "$work/broden" --task segmentation --patches-per-image 16 --out "$work/seg-out"
cp "$work/step.log" "$work/seg.log"

quiet vp synth --kind broden --out "$work/broden-small" --images 8 --size 224 --seed 3
quiet vp extract "${common[@]}" --dataset "$work/broden-small" --task segmentation --patches-per-image all --out "$work/all-out"
cp "$work/step.log" "$work/all.log"

/usr/bin/python3 - "$work" "$model" "$(lscpu | sed -n 's/^Model name: *//p')" "$(nproc)" <<'PY'
import json, os, re, sys
work, model, cpu, cores = sys.argv[1:]
BRODEN_IMAGES, BRODEN_LABELS = 63305, 1197

def run(name):
    log = open(f"{work}/{name}.log").read().replace("\r", "\n")
    images, rate = re.search(r"^(\d+) images in .*; ([\d.]+) images/s$", log, re.M).groups()
    stages = re.search(r"^stages: (.*)$", log, re.M).group(1)
    return int(images), float(rate), stages

def disk(name):
    out = f"{work}/{name}-out"
    manifest = json.load(open(f"{out}/manifest.json"))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs if f.startswith("shard-"))
    images = sum(s["images"] for s in manifest["splits"].values())
    return total / images, manifest

print(f"vitprobe extract end to end (decode + preprocess + forward + write), CPU backend, {cpu}, {cores} cores, -Xmx1g")
print(f"model {model}, last block, 6 token types (q,k,v,x,y,y_norm) stored as F16, batch 16")
for name, what in [("cls", "classification: 500x375 JPEGs -> [CLS]"),
                   ("seg", "segmentation: Broden-format 224x224, 16 patches/image"),
                   ("all", "segmentation: Broden-format 224x224, all patches")]:
    images, rate, stages = run(name)
    print(f"  {what}: {images} images, {rate:.2f} images/s")
    print(f"    stages (share of summed stage time): {stages}")

print(f"disk per image and Broden estimate ({BRODEN_IMAGES:,} images, {BRODEN_LABELS:,} label columns):")
for name in ["seg", "all"]:
    per_image, m = disk(name)
    kept = m["patches_per_image"] or m["patch_grid"] ** 2
    types, concepts = len(m["token_types"]), len(m["concepts"])
    features = kept * m["dim"] * 2 * types
    # Labels are U8 [samples, concepts] in every token type's file: Broden has more columns than the synthetic set.
    broden = (per_image + kept * types * (BRODEN_LABELS - concepts)) * BRODEN_IMAGES
    print(f"  {kept:4d} patches/image: {per_image / 1024:9.1f} KiB measured ({features / 1024:.1f} KiB features, "
          f"{concepts} label columns) -> Broden {broden / 1e9:7.1f} GB")
PY
