package vitprobe.engine.extract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Kills an extraction running in another JVM after its first shard, resumes it, and compares with a clean run. */
class ExtractorResumeTest {
    @TempDir
    Path dir;

    @Test
    void aKilledRunResumesToTheSameBytesAsAnUninterruptedOne() throws Exception {
        Path clean = dir.resolve("clean"), killed = dir.resolve("killed");
        ExtractChild.run(clean, 0);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                ExtractChild.class.getName(), killed.toString(), "40")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        // y_norm is the last token type written, so shard 0 is complete once it appears.
        Path firstShard = killed.resolve("y_norm/train/shard-00000.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(firstShard) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(2);
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
        int total = (ExtractChild.TRAIN + ExtractChild.TEST) / ExtractChild.SHARD * 6;
        long written = countShards(killed);
        if (written == 0) fail("the child wrote no shard before it ended: " + Files.readString(dir.resolve("child.log")));
        if (written == total) fail("the child finished before it was killed; nothing was resumed");

        Extractor.Result resumed = ExtractChild.run(killed, 0);
        assertTrue(resumed.resumed() >= 1 && resumed.resumed() < resumed.shards(), "resumed " + resumed.resumed() + " of " + resumed.shards());
        List<Path> expected = files(clean), got = files(killed);
        assertEquals(expected.stream().map(clean::relativize).toList(), got.stream().map(killed::relativize).toList());
        for (Path f : expected) assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(killed.resolve(clean.relativize(f))), f.toString());
        assertEquals(1, resumed.skipped());
    }

    private static long countShards(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().matches("shard-\\d+\\.safetensors")).count();
        }
    }

    private static List<Path> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
