package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run that exhausts the heap ends with one line saying how to give the JVM more, in a JVM of its own. */
class OutOfMemoryTest {
    @TempDir
    Path dir;

    @Test
    void runningOutOfMemoryIsOneLineNamingTheSetting() throws Exception {
        // 36 million pixels, under the pixel limit, need over 100 MB decoded: more than the child's 64 MB heap.
        Path image = LargePngs.real(dir.resolve("large.png"), 6000, 6000);
        Path out = dir.resolve("tokens.safetensors");
        String model = TokensCommandTest.bundled("hf-vit-dino-format-small").toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "--add-modules",
                        "jdk.incubator.vector",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "tokens",
                        "--model",
                        model,
                        "--out",
                        out.toString(),
                        image.toString())
                .redirectOutput(dir.resolve("out.log").toFile())
                .redirectError(dir.resolve("err.log").toFile())
                .start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        List<String> err = Files.readAllLines(dir.resolve("err.log"), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                .toList();
        assertEquals(Main.EXIT_INPUT, child.exitValue(), String.join("\n", err));
        assertEquals(1, err.size(), String.join("\n", err));
        // The limit the JVM reports is a little under -Xmx with some collectors.
        assertTrue(
                err.getFirst()
                        .matches("vitprobe: out of memory \\(Java heap space\\) with a heap limit of "
                                + "6\\d MiB; give the JVM more, e\\.g\\. VITPROBE_JAVA_OPTS=-Xmx1g"),
                err.getFirst());
        assertFalse(Files.exists(out));
    }
}
