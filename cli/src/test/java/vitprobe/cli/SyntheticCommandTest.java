package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesBothKindsAndRefusesAnExistingFolder() {
        Path broden = dir.resolve("b");
        CliRunner r = CliRunner.run(
                "synth",
                "--kind",
                "broden",
                "--out",
                broden.toString(),
                "--images",
                "2",
                "--size",
                "16",
                "--seed",
                "3");
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isRegularFile(broden.resolve("index.csv")));
        assertTrue(Files.isRegularFile(broden.resolve("images/synth/img_00001_part_1.png")));
        r = CliRunner.run(
                "synth",
                "--kind",
                "classification",
                "--out",
                dir.resolve("c").toString(),
                "--classes",
                "2",
                "--train",
                "1",
                "--test",
                "1",
                "--width",
                "16",
                "--height",
                "16");
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("c/test/red-square/00000.jpg")));

        r = CliRunner.run("synth", "--kind", "broden", "--out", broden.toString());
        assertEquals(Main.EXIT_INPUT, r.status());
        assertEquals("vitprobe: " + broden + ": already exists and is not an empty folder\n", r.errorLines());
        r = CliRunner.run("synth", "--kind", "coco", "--out", dir.resolve("x").toString());
        assertEquals("vitprobe: unknown --kind 'coco' (known: classification, broden)\n", r.errorLines());
        r = CliRunner.run(
                "synth", "--kind", "classification", "--out", dir.resolve("y").toString(), "--classes", "40");
        assertEquals("vitprobe: classes must be 1..18, got 40\n", r.errorLines());
    }
}
