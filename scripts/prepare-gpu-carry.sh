#!/usr/bin/env bash
# Prepares .gpu-carry/ (git-ignored) for bench/gpu-check.sh, which runs on a GPU machine that has CUDA, PyTorch and
# timm but no Java: the jars (kernels with their fatbins, so nvcc must exist here), the test classes, the JUnit jars,
# a jlink'd JDK 25 runtime and the two timm oracle fixtures, the last two as .tar.xz (bench/gpu_carry.py). The
# device call carries the working tree and .gpu-carry, 64 MiB at most: the script fails when they would not fit.
# Run it here, then carry .gpu-carry with the device call (see bench/gpu-check.sh). It builds with `package`, never
# `install` (~/.m2 is shared).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/jdk.sh
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
if [ ! -x "$cuda_home/bin/nvcc" ]; then
  echo "prepare-gpu-carry: needs nvcc ($cuda_home/bin/nvcc) to compile the kernels" >&2
  exit 1
fi
fixtures="${VITPROBE_FIXTURES:-$root/../shared/fixtures}"
out=.gpu-carry
limit_bytes=$((64 * 1048576))

rm -rf "$out"
mkdir -p "$out/lib" "$out/classes/kernels" "$out/classes/vit-engine"
# One reactor build: vit-engine's dependencies resolve to the jars just packaged here. Not offline: the dependency
# plugin may have to fetch its own dependencies the first time.
mvn -B -q -pl kernels,vit-engine -am package \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DskipTests -Dcuda.home="$cuda_home" -DincludeScope=test -DoutputDirectory="$root/$out/lib"
cp vit-engine/target/vitprobe-engine-*.jar "$out/lib/"
cp -r kernels/target/test-classes/. "$out/classes/kernels/"
# The bundled small fixtures are test resources already in the tree: gpu-check.sh puts
# vit-engine/src/test/resources on the class path instead of carrying a second copy.
tar -C vit-engine/target/test-classes --exclude=./fixtures -cf - . | tar -C "$out/classes/vit-engine" -xf -

# java.logging: JUnit's own logging; jdk.incubator.vector: the CPU backend used as a reference in the tests.
rm -rf /tmp/vitprobe-jdk
jlink --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported --strip-debug --no-header-files \
      --no-man-pages --output /tmp/vitprobe-jdk/jdk
# The JVM's own symbol table is for crash reports only; without it the archive is 1 MiB smaller.
strip --strip-unneeded /tmp/vitprobe-jdk/jdk/lib/server/libjvm.so
tar -C /tmp/vitprobe-jdk -cf - jdk | xz -T0 -6 > "$out/jdk.tar.xz"
rm -rf /tmp/vitprobe-jdk
python3 bench/gpu_carry.py pack-fixtures "$fixtures" "$out/fixtures.tar.xz" \
    timm-dino-vits8-depth2 timm-mae-vitb16-depth1

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
size() { mib "$(du -sb "$1" | cut -f1)"; }
# What the device call copies: tracked files, untracked files git does not ignore, and the carried folder.
tree_bytes=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2> /dev/null \
    | awk '{ s += $1 } END { print s + 0 }')
carry_bytes=$(du -sb "$out" | cut -f1)
total=$((tree_bytes + carry_bytes))
fatbins=$(unzip -l "$out"/lib/vitprobe-kernels-*.jar 'cuda/*.fatbin' | tail -1 | awk '{ print $1 }')
echo "prepare-gpu-carry: $out is $(mib "$carry_bytes"): jdk.tar.xz $(size "$out/jdk.tar.xz"),"\
     "fixtures.tar.xz $(size "$out/fixtures.tar.xz"), lib $(size "$out/lib") (the kernels jar"\
     "$(size "$out"/lib/vitprobe-kernels-*.jar), its fatbins $(mib "$fatbins") unpacked),"\
     "classes $(size "$out/classes")"
echo "prepare-gpu-carry: with the working tree ($(mib "$tree_bytes")) $(mib "$total") travel; the limit is 64 MiB"
if [ "$total" -gt "$limit_bytes" ]; then
  rm -rf "$out"
  echo "prepare-gpu-carry: FAILED: $(mib "$total") is over the 64 MiB the device call carries; $out removed" >&2
  exit 1
fi
