package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    }

    /** Flag values the generator cannot use are bad flags (exit 2), checked before anything is written. */
    @Test
    void badFlagValuesExitWithTwoAndWriteNothing() {
        Path out = dir.resolve("never");
        String[][] cases = {
            {"--kind", "coco"},
            {"--kind", "foo"},
            {"--kind", "classification", "--classes", "40"},
            {"--kind", "classification", "--classes", "0"},
            {"--kind", "classification", "--train", "-1"},
            {"--kind", "classification", "--test", "-2"},
            {"--kind", "classification", "--train", "0", "--test", "0"},
            {"--kind", "classification", "--width", "4"},
            {"--kind", "classification", "--height", "0"},
            {"--kind", "broden", "--images", "0"},
            {"--kind", "broden", "--size", "7"},
            {"--kind", "broden", "--size", "6"}
        };
        String[] messages = {
            "unknown --kind 'coco' (known: classification, broden)",
            "unknown --kind 'foo' (known: classification, broden)",
            "--classes must be 1..18, got 40",
            "--classes must be 1..18, got 0",
            "--train must be 0 or more, got -1",
            "--test must be 0 or more, got -2",
            "--train and --test are both 0: the set would hold no images",
            "--width must be at least 8, got 4",
            "--height must be at least 8, got 0",
            "--images must be at least 1, got 0",
            "--size must be even and at least 8, got 7",
            "--size must be even and at least 8, got 6"
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("synth", "--out", out.toString()));
            args.addAll(List.of(cases[i]));
            CliRunner r = CliRunner.run(args.toArray(String[]::new));
            assertEquals(Main.EXIT_USAGE, r.status(), String.join(" ", cases[i]) + ": " + r.err());
            assertEquals(
                    "vitprobe: " + messages[i] + "\nTry 'vitprobe synth --help'.\n",
                    r.errorLines(),
                    String.join(" ", cases[i]));
            assertFalse(Files.exists(out), String.join(" ", cases[i]));
        }
    }
}
