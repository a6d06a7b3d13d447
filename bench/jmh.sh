# Sourced by the CPU benchmark scripts: builds the JMH jar and defines run_jmh.
# Usage (after `cd` to the repository root): . bench/jmh.sh; run_jmh BENCHMARK THREADS OUT_JSON [JMH options...]
. scripts/jdk.sh
mvn -B -q -DskipTests package >/dev/null

run_jmh() {
  local benchmark="$1" threads="$2" json="$3"
  shift 3
  # JMH selects benchmarks by a regular expression found anywhere in their names: "ForwardBenchmark" alone also ran
  # OrtForwardBenchmark, whose rows then replaced ours in cpu-forward.sh's table. The pattern names the class.
  # -jvmArgsAppend on the command line replaces the annotation's, so it repeats --add-modules.
  java --sun-misc-unsafe-memory-access=allow -jar bench/target/benchmarks.jar "^vitprobe\.bench\.$benchmark\." "$@" \
    -jvmArgsAppend "${VITPROBE_JVM[*]} --sun-misc-unsafe-memory-access=allow -Xmx8g -Dvitprobe.threads=$threads" \
    -rf json -rff "$json" >"$json.log" 2>&1 || { cat "$json.log"; return 1; }
  only_benchmark "$benchmark" "$json"
}

# Fails, naming them, if the results in JSON come from any benchmark but vitprobe.bench.BENCHMARK.
only_benchmark() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
want, path = sys.argv[1], sys.argv[2]
names = {r["benchmark"] for r in json.load(open(path))}
others = sorted(b for b in names if not b.startswith(f"vitprobe.bench.{want}."))
if others:
    sys.exit(f"{path}: asked for {want}, also got {', '.join(others)}")
PY
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
