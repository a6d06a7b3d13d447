#!/usr/bin/env bash
# Compares the forward of this working tree's build with other builds in one JVM, forwards alternating (BuildAB):
# a change of a percent shows through the drift of a shared host. Build a base first, e.g.
#   git stash && bench/ab-builds.sh --save /tmp/base.jar && git stash pop
# then: bench/ab-builds.sh /tmp/base.jar [MODEL] [BATCH] [ROUNDS]   (defaults: vits8 1 10; the base comes first)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
# Debian's Maven writes bare colour-reset codes even in quiet mode; they go with the empty lines.
mvn -B -q -DskipTests -pl bench -am package 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2
if [ "${1:-}" = --save ]; then
  cp bench/target/benchmarks.jar "${2:?--save needs a path}"
  echo "saved this tree's build as $2"
  exit 0
fi
base="${1:?usage: bench/ab-builds.sh BASE_JAR [MODEL] [BATCH] [ROUNDS], or --save PATH}"
current=$(mktemp --suffix=.jar)
trap 'rm -f "$current"' EXIT
cp bench/target/benchmarks.jar "$current"
java "${VITPROBE_JVM[@]}" -Xmx12g -cp "$current" vitprobe.bench.BuildAB \
  "${2:-vits8}" "${3:-1}" "${4:-10}" "$base" "$current" 2>&1 | grep -v '^WARNING: Using incubator'
