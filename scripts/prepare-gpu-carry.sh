#!/usr/bin/env bash
# Prepares .gpu-carry/ (git-ignored) for bench/gpu-check.sh, which runs on a GPU machine that has CUDA, PyTorch and
# timm but no Java: the jars (kernels with their PTX, so nvcc must exist here), the test classes, the JUnit jars, a
# jlink'd JDK 25 runtime and the two timm oracle fixtures, the last two as .tar.xz to stay within the 64 MiB that
# travels with the working tree. Run it here, then carry .gpu-carry with the device call (see bench/gpu-check.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/jdk.sh
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
[ -x "$cuda_home/bin/nvcc" ] || { echo "prepare-gpu-carry: needs nvcc ($cuda_home/bin/nvcc) to compile the kernels" >&2; exit 1; }
fixtures="${VITPROBE_FIXTURES:-$root/../shared/fixtures}"
out=.gpu-carry

mvn -B -q -o -pl weights,kernels,vit-engine -am install -DskipTests -Dcuda.home="$cuda_home"
rm -rf "$out"
mkdir -p "$out/lib" "$out/classes/kernels" "$out/classes/vit-engine"
mvn -B -q -o -pl kernels,vit-engine dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$root/$out/lib"
cp vit-engine/target/vitprobe-engine-*.jar "$out/lib/"
cp -r kernels/target/test-classes/. "$out/classes/kernels/"
# The bundled small fixtures are test resources already in the tree: gpu-check.sh puts
# vit-engine/src/test/resources on the class path instead of carrying a second copy.
tar -C vit-engine/target/test-classes --exclude=./fixtures -cf - . | tar -C "$out/classes/vit-engine" -xf -

# java.logging: JUnit's own logging; jdk.incubator.vector: the CPU backend used as a reference in the tests.
rm -rf /tmp/vitprobe-jdk
jlink --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported --strip-debug --no-header-files \
      --no-man-pages --output /tmp/vitprobe-jdk/jdk
tar -C /tmp/vitprobe-jdk -cf - jdk | xz -T0 -6 > "$out/jdk.tar.xz"
rm -rf /tmp/vitprobe-jdk
tar -C "$fixtures" -cf - timm-dino-vits8-depth2 timm-mae-vitb16-depth1 | xz -T0 -6 > "$out/fixtures.tar.xz"

tree_bytes=$(git ls-files -z --cached --others --exclude-standard | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
carry_bytes=$(du -sb "$out" | cut -f1)
total_mib=$(( (tree_bytes + carry_bytes) / 1048576 ))
echo "prepare-gpu-carry: $out is $((carry_bytes / 1048576)) MiB; with the working tree about $total_mib MiB travel (limit 64)"
[ "$total_mib" -lt 64 ] || echo "prepare-gpu-carry: WARNING: over the 64 MiB the device call carries" >&2
