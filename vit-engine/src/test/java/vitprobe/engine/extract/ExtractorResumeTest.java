package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills an extraction running in another JVM after its first shard, resumes it, and compares with a clean run. */
class ExtractorResumeTest {
    @TempDir
    Path dir;

    /** Starts {@link ExtractChild} in another JVM, every image read slowed by {@code readDelayMillis}. */
    private Process startChild(Path out, long readDelayMillis, String... jvmOptions) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                ExtractChild.class.getName(),
                out.toString(),
                Long.toString(readDelayMillis)));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .start();
    }

    @Test
    void aKilledRunResumesToTheSameBytesAsAnUninterruptedOne() throws Exception {
        Path clean = dir.resolve("clean"), killed = dir.resolve("killed");
        ExtractChild.run(clean, 0);

        Process child = startChild(killed, 40);
        // y_norm is the last token type written, so shard 0 is complete once it appears.
        Path firstShard = killed.resolve("y_norm/train/shard-00000.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(firstShard) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(2);
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
        int total = (ExtractChild.TRAIN + ExtractChild.TEST) / ExtractChild.SHARD * 6;
        long written = countShards(killed);
        if (written == 0)
            fail("the child wrote no shard before it ended: " + Files.readString(dir.resolve("child.log")));
        if (written == total) fail("the child finished before it was killed; nothing was resumed");

        Extractor.Result resumed = ExtractChild.run(killed, 0);
        assertTrue(
                resumed.resumed() >= 1 && resumed.resumed() < resumed.shards(),
                "resumed " + resumed.resumed() + " of " + resumed.shards());
        assertSameFiles(clean, killed);
        assertEquals(1, resumed.skipped());
    }

    /** Each output value is computed by one task in a fixed order, so the thread count changes no byte. */
    @Test
    void aRunWithAnotherThreadCountResumesAndWritesTheSameBytes() throws Exception {
        Path clean = dir.resolve("clean"), other = dir.resolve("other-threads");
        ExtractChild.run(clean, 0);
        int threads = Runtime.getRuntime().availableProcessors() + 1;
        Process child = startChild(other, 0, "-Dvitprobe.threads=" + threads);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        assertEquals(0, child.exitValue(), Files.readString(dir.resolve("child.log")));

        Extractor.Result resumed = ExtractChild.run(other, 0);
        assertEquals(resumed.shards(), resumed.resumed());
        assertSameFiles(clean, other);
    }

    /** A second writer into a folder that a live run is writing is refused, and the live run is left to finish. */
    @Test
    void aSecondRunIntoTheSameFolderIsRefusedWhileTheFirstWrites() throws Exception {
        Path out = dir.resolve("shared");
        Process child = startChild(out, 100);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(out.resolve(FeatureStore.MANIFEST)) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        if (!child.isAlive()) fail("the child ended too soon: " + Files.readString(dir.resolve("child.log")));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExtractChild.run(out, 0));
        assertTrue(
                e.getMessage().startsWith(out + " is being written by process " + child.pid() + " "), e.getMessage());
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        assertEquals(0, child.exitValue(), Files.readString(dir.resolve("child.log")));
        assertEquals((ExtractChild.TRAIN + ExtractChild.TEST) / ExtractChild.SHARD * 6, countShards(out));
    }

    /** The same files under both roots, byte for byte. */
    private static void assertSameFiles(Path expectedRoot, Path root) throws Exception {
        List<Path> expected = files(expectedRoot);
        assertEquals(
                expected.stream().map(expectedRoot::relativize).toList(),
                files(root).stream().map(root::relativize).toList());
        for (Path f : expected) {
            Path other = root.resolve(expectedRoot.relativize(f));
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(other), f.toString());
        }
    }

    private static long countShards(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().matches("shard-\\d+\\.safetensors"))
                    .count();
        }
    }

    private static List<Path> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
