# Sourced by ./vitprobe, ./run-tests and .ci/run: finds a JDK 25+ and exports JAVA_HOME.
vitprobe_java_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
vitprobe_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$(vitprobe_java_version "$JAVA_HOME")
    if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then return 0; fi
  fi
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]* /usr/lib/jvm/*-3[0-9]*; do
    if [ -x "$d/bin/javac" ]; then export JAVA_HOME="$d"; return 0; fi
  done
  echo "vitprobe: needs a JDK 25 or newer: set JAVA_HOME to one, or install it under /usr/lib/jvm (found none)" >&2
  return 1
}
vitprobe_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8 still uses sun.misc.Unsafe through Guava; keep JDK 25 from warning about it on every build.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
# The JVM options the engine runs with, for ./vitprobe and the CPU benchmarks: the Vector API, native access (FFM), and
# transparent huge pages for the heap where Linux offers them (THP mode "madvise" or "always"): the forward's weights
# and activations, read once per forward, then take a TLB entry per 2 MiB instead of per 4 KiB, which counts most
# under a hypervisor (a TLB miss walks two page tables).
VITPROBE_JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ] && ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
  VITPROBE_JVM+=(-XX:+UseTransparentHugePages)
fi
