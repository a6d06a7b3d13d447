# Sourced by the CPU benchmark scripts: builds the JMH jar and defines run_jmh.
# Usage (after `cd` to the repository root): . bench/jmh.sh; run_jmh BENCHMARK THREADS OUT_JSON [JMH options...]
. scripts/jdk.sh
mvn -B -q -DskipTests package >/dev/null

run_jmh() {
  local benchmark="$1" threads="$2" json="$3"
  shift 3
  # -jvmArgsAppend on the command line replaces the annotation's, so it repeats --add-modules.
  java --sun-misc-unsafe-memory-access=allow -jar bench/target/benchmarks.jar "$benchmark" "$@" \
    -jvmArgsAppend "--add-modules jdk.incubator.vector --sun-misc-unsafe-memory-access=allow -Xmx8g -Dvitprobe.threads=$threads" \
    -rf json -rff "$json" >"$json.log" 2>&1 || { cat "$json.log"; return 1; }
}

# Prints the machine's measured fp32 FMA peak in GFLOP/s with THREADS threads (FmaPeakBenchmark).
fma_peak_gflops() {
  local threads="$1" json lanes
  json=$(mktemp)
  run_jmh FmaPeakBenchmark "$threads" "$json" -t "$threads"
  lanes=$(java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar vitprobe.bench.FmaPeakBenchmark \
    2>/dev/null)
  /usr/bin/python3 -c 'import json, sys
score = json.load(open(sys.argv[1]))[0]["primaryMetric"]["score"]  # vector FMAs per microsecond, all threads
print(f"{score * 1e6 * 2 * int(sys.argv[2]) / 1e9:.1f}")' "$json" "$lanes"
  rm -f "$json" "$json.log"
}
