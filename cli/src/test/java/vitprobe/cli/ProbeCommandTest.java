package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.Json;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.ProbeData;
import vitprobe.probe.Rule;
import vitprobe.weights.SafetensorsWriter;

class ProbeCommandTest {
    @TempDir
    Path dir;

    private static final int DIM = 12, CONCEPTS = 4;

    /**
     * Images of 6 patches, each showing one of the concepts (category c % 2) as its prototype plus noise; concept
     * names in metadata, one group per image.
     */
    private static SafetensorsWriter patches(long seed, int images) {
        SplittableRandom random = new SplittableRandom(seed), prototypes = new SplittableRandom(99);
        float[][] proto = new float[CONCEPTS][DIM];
        for (float[] p : proto) for (int j = 0; j < DIM; j++) p[j] = (float) prototypes.nextGaussian() * 3;
        int n = images * 6;
        float[] features = new float[n * DIM];
        byte[] labels = new byte[n * CONCEPTS];
        long[] groups = new long[n];
        for (int i = 0; i < n; i++) {
            groups[i] = i / 6;
            int c = random.nextInt(CONCEPTS);
            labels[i * CONCEPTS + c] = 1;
            for (int j = 0; j < DIM; j++) features[i * DIM + j] = proto[c][j] + (float) random.nextGaussian();
        }
        return new SafetensorsWriter()
                .addF32("features", new long[] {n, DIM}, features)
                .addU8("labels", new long[] {n, CONCEPTS}, labels)
                .addI64("groups", new long[] {n}, groups)
                .addI64("categories", new long[] {CONCEPTS}, new long[] {0, 1, 0, 1})
                .metadata("concepts", "[\"sky\",\"grass\",\"water\",\"sand\"]")
                .metadata("categories_names", "[\"above\",\"below\"]");
    }

    private Path write(String name, SafetensorsWriter w) throws IOException {
        Path file = dir.resolve(name);
        w.write(file);
        return file;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path file) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> concepts(Map<String, Object> result) {
        return (List<Map<String, Object>>) result.get("concepts");
    }

    private static double mean(Map<String, Object> result, String field) {
        return ((Number) ((Map<?, ?>) result.get("mean")).get(field)).doubleValue();
    }

    @Test
    void hyperplaneSolversWriteResultsAndTemplates() throws IOException {
        Path train = write("train.safetensors", patches(1, 60)), test = write("test.safetensors", patches(2, 30));
        for (String solver : List.of("mined", "lbfgs")) {
            Path out = dir.resolve(solver + ".json"), templates = dir.resolve(solver + ".safetensors");
            CliRunner r = CliRunner.run(
                    "probe",
                    "--rule",
                    "hyperplane",
                    "--solver",
                    solver,
                    "--train",
                    train.toString(),
                    "--test",
                    test.toString(),
                    "--out",
                    out.toString(),
                    "--save-templates",
                    templates.toString());
            assertEquals(0, r.status(), r.err());
            // A tester saw "mean balanced accuracy" printed for the accuracy on test sets that need not be balanced.
            assertTrue(r.out().startsWith("hyperplane: 4 concepts, mean accuracy "), r.out());
            Map<String, Object> result = json(out);
            assertEquals("hyperplane", result.get("rule"));
            assertEquals(solver, result.get("solver"));
            assertEquals("patch", result.get("tokens"));
            assertEquals(
                    List.of("sky", "grass", "water", "sand"),
                    concepts(result).stream().map(c -> c.get("name")).toList());
            // A tester saw the categories numbered: the file names them.
            assertEquals(
                    List.of("above", "below", "above", "below"),
                    concepts(result).stream().map(c -> c.get("category")).toList());
            assertEquals(
                    List.of("above", "below"),
                    ((List<?>) result.get("categories"))
                            .stream().map(c -> ((Map<?, ?>) c).get("category")).toList());
            assertFalse(concepts(result).getFirst().containsKey("f1_std"));
            assertTrue(mean(result, "accuracy") > 0.95, "separated prototypes: " + mean(result, "accuracy"));
            assertEquals(2, ((List<?>) result.get("categories")).size());
            ConceptTemplates saved = ConceptTemplates.load(templates);
            assertEquals(Rule.HYPERPLANE, saved.rule());
            assertEquals(List.of("sky", "grass", "water", "sand"), saved.concepts());
        }
    }

    @Test
    void cosineReportsMeanAndSpreadOverTrialsAndRepeatsWithTheSeed() throws IOException {
        Path train = write("train.safetensors", patches(3, 60)), test = write("test.safetensors", patches(4, 30));
        Path first = dir.resolve("a.json"), second = dir.resolve("b.json");
        for (Path out : List.of(first, second)) {
            CliRunner r = CliRunner.run(
                    "probe",
                    "--rule",
                    "cosine",
                    "--k",
                    "8",
                    "--trials",
                    "4",
                    "--center",
                    "--seed",
                    "5",
                    "--train",
                    train.toString(),
                    "--test",
                    test.toString(),
                    "--out",
                    out.toString());
            assertEquals(0, r.status(), r.err());
        }
        Map<String, Object> a = json(first), b = json(second);
        assertEquals(8L, a.get("k"));
        assertEquals(true, a.get("center"));
        for (int c = 0; c < CONCEPTS; c++) {
            Map<String, Object> ca = concepts(a).get(c), cb = concepts(b).get(c);
            assertTrue(ca.containsKey("accuracy_std") && ca.containsKey("f1_std"));
            for (String k : List.of("accuracy", "precision", "recall", "f1", "f1_std", "positives"))
                assertEquals(ca.get(k), cb.get(k), k);
        }
        assertTrue(mean(a, "accuracy") > 0.85, "separated prototypes: " + mean(a, "accuracy"));
    }

    @Test
    void aConceptMissingFromOneSplitIsSkippedAndListed() throws IOException {
        Path train = write("train.safetensors", patches(7, 40));
        // The test split without any 'water' patch. There 'sky' is alone in its category, so its negatives are the
        // patches of the other category.
        ProbeData full = ProbeData.load(write("full-test.safetensors", patches(8, 20)));
        int water = full.concepts().indexOf("water");
        int[] kept = IntStream.range(0, full.size())
                .filter(i -> !full.label(i, water))
                .toArray();
        float[] features = new float[kept.length * DIM];
        byte[] labels = new byte[kept.length * CONCEPTS];
        long[] groups = new long[kept.length];
        for (int i = 0; i < kept.length; i++) {
            System.arraycopy(full.feature(kept[i]), 0, features, i * DIM, DIM);
            for (int c = 0; c < CONCEPTS; c++) labels[i * CONCEPTS + c] = (byte) (full.label(kept[i], c) ? 1 : 0);
            groups[i] = full.imageOf(kept[i]);
        }
        Path test = write(
                "test.safetensors",
                new SafetensorsWriter()
                        .addF32("features", new long[] {kept.length, DIM}, features)
                        .addU8("labels", new long[] {kept.length, CONCEPTS}, labels)
                        .addI64("groups", new long[] {kept.length}, groups)
                        .addI64("categories", new long[] {CONCEPTS}, new long[] {0, 1, 0, 1})
                        .metadata("concepts", "[\"sky\",\"grass\",\"water\",\"sand\"]"));
        Path out = dir.resolve("r.json");
        CliRunner r = CliRunner.run(
                "probe",
                "--rule",
                "hyperplane",
                "--train",
                train.toString(),
                "--test",
                test.toString(),
                "--out",
                out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.err().contains("skipping 1 concept(s) without positives and negatives in both splits: water"),
                r.err());
        String otherCategories = "negatives from other categories for 1 concept(s) alone in their category in a split";
        assertTrue(r.err().contains(otherCategories + ": sky"), r.err());
        assertTrue(r.out().startsWith("hyperplane: 3 concepts"), r.out());
        Map<String, Object> result = json(out);
        assertEquals(List.of("water"), result.get("skipped_concepts"));
        assertEquals(List.of("sky"), result.get("negatives_from_other_categories"));
        assertEquals(
                List.of("sky", "grass", "sand"),
                concepts(result).stream().map(c -> c.get("name")).toList());
    }

    /** Probe-file rows of the given concepts in turn (every third a 'grass' patch), with random features. */
    private static SafetensorsWriter shown(long seed, int... concepts) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = 80;
        float[] features = new float[n * DIM];
        byte[] labels = new byte[n * CONCEPTS];
        long[] groups = new long[n];
        for (int i = 0; i < n; i++) {
            groups[i] = i / 4;
            labels[i * CONCEPTS + (i % 3 == 2 ? 1 : concepts[i % concepts.length])] = 1;
            for (int j = 0; j < DIM; j++) features[i * DIM + j] = (float) random.nextGaussian();
        }
        return new SafetensorsWriter()
                .addF32("features", new long[] {n, DIM}, features)
                .addU8("labels", new long[] {n, CONCEPTS}, labels)
                .addI64("groups", new long[] {n}, groups)
                .addI64("categories", new long[] {CONCEPTS}, new long[] {0, 1, 0, 0})
                .metadata("concepts", "[\"sky\",\"grass\",\"water\",\"sand\"]");
    }

    /**
     * Issue 13.3: 'sand' shows only in training and 'sky' only in the test split, so both are left out; water's
     * training negatives were the sand patches, and both hyperplane solvers failed on "no negative samples".
     */
    @Test
    void aConceptWhoseCategoryMatesAreLeftOutStillTrains() throws IOException {
        Path train = write("train.safetensors", shown(1, 3, 2)), test = write("test.safetensors", shown(2, 0, 2));
        for (String solver : List.of("mined", "lbfgs")) {
            Path out = dir.resolve(solver + ".json");
            CliRunner r = CliRunner.run(
                    "probe",
                    "--rule",
                    "hyperplane",
                    "--solver",
                    solver,
                    "--train",
                    train.toString(),
                    "--test",
                    test.toString(),
                    "--out",
                    out.toString());
            assertEquals(0, r.status(), r.err());
            Map<String, Object> result = json(out);
            assertEquals(List.of("sky", "sand"), result.get("skipped_concepts"));
            assertEquals(
                    List.of("grass", "water"),
                    concepts(result).stream().map(c -> c.get("name")).toList());
            assertEquals(List.of("grass"), result.get("negatives_from_other_categories"));
        }
    }

    /** Writes one probe file as the single shard of a folder that extract would write for a token type and split. */
    private Path shardFolder(String token, String split, SafetensorsWriter w) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(token).resolve(split));
        w.metadata("token_type", token).metadata("tokens", "patch").write(folder.resolve("shard-00000.safetensors"));
        return folder;
    }

    @Test
    void trainingAndTestingOnOtherTokenTypesIsWarnedAbout() throws IOException {
        Path q = shardFolder("q", "train", patches(11, 20)), k = shardFolder("k", "val", patches(12, 10));
        Path qTest = shardFolder("q", "val", patches(12, 10));
        Path out = dir.resolve("r.json");
        CliRunner mixed = CliRunner.run(
                "probe", "--rule", "cosine", "--train", q.toString(), "--test", k.toString(), "--out", out.toString());
        assertEquals(0, mixed.status(), mixed.err());
        List<String> warnings =
                mixed.err().lines().filter(l -> l.contains("warning")).toList();
        assertEquals(1, warnings.size(), mixed.err());
        assertTrue(
                warnings.getFirst()
                        .startsWith("probe: warning: " + q + " holds 'q' tokens but " + k + " holds 'k' tokens"),
                warnings.getFirst());
        Path file = write("k.safetensors", patches(12, 10).metadata("token_type", "k"));
        Path shard = q.resolve("shard-00000.safetensors");
        CliRunner files = CliRunner.run(
                "probe",
                "--rule",
                "cosine",
                "--train",
                shard.toString(),
                "--test",
                file.toString(),
                "--out",
                out.toString());
        assertTrue(files.err().contains("holds 'q' tokens but " + file + " holds 'k' tokens"), files.err());
        CliRunner same = CliRunner.run(
                "probe",
                "--rule",
                "cosine",
                "--train",
                q.toString(),
                "--test",
                qTest.toString(),
                "--out",
                out.toString());
        assertEquals(0, same.status(), same.err());
        assertFalse(same.err().contains("warning"), same.err());
    }

    @Test
    void trainingPrintsProgressOnStderr() throws IOException {
        Path train = write("train.safetensors", patches(13, 30)), test = write("test.safetensors", patches(14, 10));
        for (String[] rule : List.of(
                new String[] {"hyperplane", "--solver", "mined"},
                new String[] {"hyperplane", "--solver", "lbfgs"},
                new String[] {"cosine", "--trials", "3"})) {
            CliRunner r = CliRunner.run(
                    "probe",
                    "--rule",
                    rule[0],
                    rule[1],
                    rule[2],
                    "--train",
                    train.toString(),
                    "--test",
                    test.toString(),
                    "--out",
                    dir.resolve("r.json").toString());
            assertEquals(0, r.status(), r.err());
            int templates = rule[0].equals("cosine") ? 3 * CONCEPTS : CONCEPTS;
            assertTrue(r.err().contains("probe: loaded "), r.err());
            assertTrue(
                    r.err().contains(templates + "/" + templates + " templates"),
                    String.join(" ", rule) + ": " + r.err());
        }
    }

    /** The same seed gives the same bytes on one thread and on several: every random draw is keyed by concept. */
    @Test
    void resultsDoNotDependOnTheThreadCount() throws Exception {
        Path train = write("train.safetensors", patches(15, 40)), test = write("test.safetensors", patches(16, 20));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> outputs = new ArrayList<>();
        for (int threads : new int[] {1, 3}) {
            for (String rule : List.of("hyperplane", "cosine")) {
                Path out = dir.resolve(rule + threads + ".json");
                Path templates = dir.resolve(rule + threads + ".safetensors");
                Process p = new ProcessBuilder(
                                java,
                                "--add-modules",
                                "jdk.incubator.vector",
                                "-Dvitprobe.threads=" + threads,
                                "-cp",
                                System.getProperty("java.class.path"),
                                Main.class.getName(),
                                "probe",
                                "--rule",
                                rule,
                                "--train",
                                train.toString(),
                                "--test",
                                test.toString(),
                                "--out",
                                out.toString(),
                                "--save-templates",
                                templates.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("child.log").toFile())
                        .start();
                assertEquals(0, p.waitFor(), Files.readString(dir.resolve("child.log")));
                Map<String, Object> result = json(out);
                result.remove("seconds");
                outputs.add(Json.write(result) + HexFormat.of().formatHex(Files.readAllBytes(templates)));
            }
        }
        assertEquals(outputs.subList(0, 2), outputs.subList(2, 4));
    }

    private void assertBadInput(String expectedFile, String fragment, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "probe";
        System.arraycopy(args, 0, all, 1, args.length);
        CliRunner r = CliRunner.run(all);
        assertEquals(1, r.status(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("vitprobe: " + expectedFile), lines.getFirst());
        assertTrue(lines.getFirst().contains(fragment), lines.getFirst() + " lacks " + fragment);
    }

    @Test
    void badInputIsOneLineNamingTheFile() throws IOException {
        Path good = write("good.safetensors", patches(5, 10));
        Path out = dir.resolve("r.json");
        Path shortLabels = write(
                "short.safetensors",
                new SafetensorsWriter()
                        .addF32("features", new long[] {3, 2}, new float[6])
                        .addU8("labels", new long[] {2, 1}, new byte[] {1, 0}));
        assertBadInput(
                shortLabels.toString(),
                "2 rows",
                "--rule",
                "cosine",
                "--train",
                shortLabels.toString(),
                "--test",
                good.toString(),
                "--out",
                out.toString());
        Path twos = write(
                "twos.safetensors",
                new SafetensorsWriter()
                        .addF32("features", new long[] {2, 1}, new float[2])
                        .addU8("labels", new long[] {2, 1}, new byte[] {1, 2}));
        assertBadInput(
                twos.toString(),
                "0 or 1",
                "--rule",
                "hyperplane",
                "--train",
                good.toString(),
                "--test",
                twos.toString(),
                "--out",
                out.toString());
        Path nan = write(
                "nan.safetensors",
                new SafetensorsWriter()
                        .addF32("features", new long[] {2, 1}, new float[] {Float.NaN, 0})
                        .addU8("labels", new long[] {2, 1}, new byte[] {1, 0}));
        assertBadInput(
                nan.toString(),
                "NaN",
                "--rule",
                "hyperplane",
                "--train",
                nan.toString(),
                "--test",
                good.toString(),
                "--out",
                out.toString());
        Path other = write(
                "other.safetensors",
                new SafetensorsWriter()
                        .addF32("features", new long[] {2, DIM}, new float[2 * DIM])
                        .addU8("labels", new long[] {2, 4}, new byte[] {1, 1, 1, 1, 0, 0, 0, 0})
                        .metadata("concepts", "[\"a\",\"b\",\"c\",\"d\"]"));
        assertBadInput(
                other.toString(),
                "concepts differ",
                "--rule",
                "hyperplane",
                "--train",
                good.toString(),
                "--test",
                other.toString(),
                "--out",
                out.toString());
        Path allSky = write(
                "all-sky.safetensors",
                new SafetensorsWriter()
                        .addF32("features", new long[] {2, 1}, new float[] {1, 2})
                        .addU8("labels", new long[] {2, 1}, new byte[] {1, 1}));
        assertBadInput(
                allSky.toString(),
                "no concept has positives and negatives in both",
                "--rule",
                "hyperplane",
                "--train",
                allSky.toString(),
                "--test",
                allSky.toString(),
                "--out",
                out.toString());
        assertFalse(Files.exists(out), "no result on failure");
    }

    @Test
    void badFlagsAreUsageErrors() throws IOException {
        Path good = write("good.safetensors", patches(6, 10));
        for (String[] flags : List.of(
                new String[] {"--rule", "svm"},
                new String[] {"--rule", "cosine", "--k", "0"},
                new String[] {"--rule", "hyperplane", "--solver", "newton"},
                // Tester report: every other flag of probe, each bad value a usage error too.
                new String[] {"--rule", "cosine", "--trials", "0"},
                new String[] {"--rule", "cosine", "--k", "99999999999"},
                new String[] {"--rule", "cosine", "--seed", "x"},
                new String[] {"--rule", "hyperplane", "--mined-ratio", "0"},
                new String[] {"--rule", "hyperplane", "--rounds", "-1"},
                new String[] {"--rule", "hyperplane", "--epochs", "0"},
                new String[] {"--rule", "hyperplane", "--batch", "0"},
                new String[] {"--rule", "hyperplane", "--pool-ratio", "-1"},
                new String[] {"--rule", "hyperplane", "--lr", "0"},
                new String[] {"--rule", "hyperplane", "--l2", "-1"},
                new String[] {"--rule", "hyperplane", "--solver", "lbfgs", "--C", "0"},
                // A flag of another rule or solver would be dropped silently.
                new String[] {"--rule", "cosine", "--lr", "0.5"},
                new String[] {"--rule", "cosine", "--solver", "lbfgs"},
                new String[] {"--rule", "hyperplane", "--k", "5"},
                new String[] {"--rule", "hyperplane", "--center"},
                new String[] {"--rule", "hyperplane", "--C", "2"},
                new String[] {"--rule", "hyperplane", "--solver", "lbfgs", "--epochs", "3"})) {
            String[] args = new String[flags.length + 7];
            args[0] = "probe";
            System.arraycopy(flags, 0, args, 1, flags.length);
            System.arraycopy(
                    new String[] {
                        "--train",
                        good.toString(),
                        "--test",
                        good.toString(),
                        "--out",
                        dir.resolve("x.json").toString()
                    },
                    0,
                    args,
                    flags.length + 1,
                    6);
            CliRunner r = CliRunner.run(args);
            assertEquals(2, r.status(), String.join(" ", flags) + ": " + r.err());
            assertTrue(r.err().startsWith("vitprobe: "), r.err());
            assertFalse(r.err().contains("loaded"), "refused before reading: " + r.err());
        }
        assertFalse(Files.exists(dir.resolve("x.json")));
    }

    /** Runs probe on good data with the given flags and returns the result; --out is dir/x.json. */
    private CliRunner probe(Path train, Path test, String... flags) {
        List<String> args = new ArrayList<>(List.of("probe", "--train", train.toString(), "--test", test.toString()));
        if (!List.of(flags).contains("--out"))
            args.addAll(List.of("--out", dir.resolve("x.json").toString()));
        args.addAll(List.of(flags));
        return CliRunner.run(args.toArray(String[]::new));
    }

    /**
     * Tester report: --lr Infinity and --l2 Infinity saved NaN templates with exit 0; --C Infinity failed after
     * loading with "preconditioner is not positive definite".
     */
    @Test
    void nonFiniteNumbersAreBadFlags() throws IOException {
        Path good = write("good.safetensors", patches(6, 10));
        Path templates = dir.resolve("t.safetensors");
        for (String[] flags : List.of(
                new String[] {"--rule", "hyperplane", "--lr", "Infinity", "--lr must be a positive finite"},
                new String[] {"--rule", "hyperplane", "--lr", "NaN", "--lr must be a positive finite"},
                new String[] {"--rule", "hyperplane", "--lr", "1e400", "--lr must be a positive finite"},
                new String[] {"--rule", "hyperplane", "--l2", "Infinity", "--l2 must be a finite number >= 0"},
                new String[] {"--rule", "hyperplane", "--pool-ratio", "Infinity", "--pool-ratio must be a finite"},
                new String[] {
                    "--rule", "hyperplane", "--solver", "lbfgs", "--pool-ratio", "Infinity", "--pool-ratio must be"
                },
                new String[] {"--rule", "hyperplane", "--solver", "lbfgs", "--C", "Infinity", "--C must be a positive"},
                new String[] {"--rule", "hyperplane", "--solver", "lbfgs", "--C", "NaN", "--C must be a positive"})) {
            String expected = flags[flags.length - 1];
            List<String> args = new ArrayList<>(List.of(flags).subList(0, flags.length - 1));
            args.addAll(List.of("--save-templates", templates.toString()));
            CliRunner r = probe(good, good, args.toArray(String[]::new));
            assertEquals(2, r.status(), args + ": " + r.err());
            assertTrue(r.err().startsWith("vitprobe: " + expected), args + ": " + r.err());
            assertTrue(r.err().contains("finite number"), r.err());
            assertFalse(Files.exists(dir.resolve("x.json")) || Files.exists(templates), args + " wrote output");
        }
    }

    /**
     * Tester report: an existing folder as --save-templates failed only after training, and left --out's file
     * behind. Both outputs are checked before anything is read, and a failure leaves neither.
     */
    @Test
    void outputsAreCheckedBeforeAnyWorkAndAFailureLeavesNone() throws IOException {
        Path train = write("train.safetensors", patches(6, 10)), test = write("test.safetensors", patches(7, 10));
        Path folder = Files.createDirectories(dir.resolve("folder"));
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        Path shards = shardFolder("q", "train", patches(8, 10));
        Path out = dir.resolve("r.json"), templates = dir.resolve("t.safetensors");
        record Case(Path train, String[] flags, String fragment) {}
        for (Case c : List.of(
                new Case(
                        train,
                        new String[] {"--out", out.toString(), "--save-templates", folder.toString()},
                        "--save-templates " + folder + ": is a directory"),
                new Case(
                        train,
                        new String[] {"--out", folder.toString(), "--save-templates", templates.toString()},
                        "--out " + folder + ": is a directory"),
                new Case(train, new String[] {"--out", test.toString()}, "would overwrite the input " + test),
                new Case(
                        train,
                        new String[] {"--out", out.toString(), "--save-templates", train.toString()},
                        "would overwrite the input " + train),
                new Case(
                        shards,
                        new String[] {"--out", shards.resolve("r.json").toString()},
                        "lies inside the input folder " + shards),
                new Case(
                        train, new String[] {"--out", file.resolve("r.json").toString()}, file + " is not a directory"),
                new Case(
                        train,
                        new String[] {"--out", out.toString(), "--save-templates", out.toString()},
                        "--out and --save-templates name the same file"))) {
            List<String> args = new ArrayList<>(List.of("--rule", "hyperplane"));
            args.addAll(List.of(c.flags()));
            CliRunner r = probe(c.train(), test, args.toArray(String[]::new));
            assertEquals(2, r.status(), args + ": " + r.err());
            assertTrue(r.err().startsWith("vitprobe: "), r.err());
            assertTrue(r.err().lines().findFirst().orElseThrow().contains(c.fragment()), args + ": " + r.err());
            assertFalse(r.err().contains("loaded"), "refused before reading: " + r.err());
            assertFalse(Files.exists(out) || Files.exists(templates), args + " wrote output");
        }
        assertEquals(List.of("shard-00000.safetensors"), list(shards));
        // Outputs in a folder still to be created are fine.
        Path deep = dir.resolve("new/deeper");
        CliRunner r = probe(
                train,
                test,
                "--rule",
                "cosine",
                "--out",
                deep.resolve("r.json").toString(),
                "--save-templates",
                deep.resolve("t.safetensors").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("r.json", "t.safetensors"), list(deep));
    }

    /**
     * The testers' case: --out in a folder of a read-only file system exited 2, as if a flag were wrong. It is an
     * input problem (exit 1): one line naming the folder, before anything is read.
     */
    @Test
    void anOutputFolderThatCannotBeWrittenIsAnInputErrorNamingIt() throws Exception {
        Path train = write("train.safetensors", patches(6, 10)), test = write("test.safetensors", patches(7, 10));
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Path out = locked.resolve("r.json");
        try (var unwritable = Unwritable.make(locked)) {
            CliRunner r = probe(train, test, "--rule", "hyperplane", "--out", out.toString());
            assertEquals(Main.EXIT_INPUT, r.status(), r.err());
            assertEquals("vitprobe: --out " + out + ": cannot write into " + locked + ": permission denied\n", r.err());
        }
        assertEquals(List.of(), list(locked));
    }

    private static List<String> list(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Tester report: --k 10 with 4 training images per concept was recorded as k=10, and every accuracy_std was 0
     * (every trial drew the same 4 images) without a word.
     */
    @Test
    void aKAboveAConceptsTrainingImagesIsWarnedOfAndRecordedPerConcept() throws IOException {
        Path train = write("train.safetensors", patches(21, 12)), test = write("test.safetensors", patches(22, 10));
        ProbeData data = ProbeData.load(train);
        List<Integer> images = IntStream.range(0, CONCEPTS)
                .mapToObj(c -> data.imagesWith(c).length)
                .toList();
        int k = images.stream().mapToInt(Integer::intValue).max().orElseThrow();
        long fewer = images.stream().filter(n -> n < k).count();
        assertTrue(fewer > 0 && fewer < CONCEPTS, "some concepts with fewer images than the most: " + images);
        Path out = dir.resolve("r.json");
        CliRunner r = probe(
                train, test, "--rule", "cosine", "--k", String.valueOf(k), "--trials", "3", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        List<String> warnings =
                r.err().lines().filter(l -> l.contains("exceeds")).toList();
        assertEquals(1, warnings.size(), r.err());
        assertTrue(
                warnings.getFirst()
                        .startsWith("probe: warning: k=" + k + " exceeds the training images of " + fewer
                                + " concept(s); their support sets hold all the images there are, the same in every"
                                + " trial: "),
                warnings.getFirst());
        Map<String, Object> result = json(out);
        assertEquals((long) k, result.get("k"));
        for (int c = 0; c < CONCEPTS; c++) {
            Map<String, Object> concept = concepts(result).get(c);
            if (images.get(c) < k) {
                assertEquals((long) images.get(c), concept.get("k"), concept.toString());
                assertTrue(warnings.getFirst().contains(concept.get("name") + " (" + images.get(c) + ")"));
                assertEquals(0.0, ((Number) concept.get("accuracy_std")).doubleValue(), "the same support each trial");
            } else {
                assertFalse(concept.containsKey("k"), concept.toString());
            }
        }
        CliRunner enough = probe(train, test, "--rule", "cosine", "--k", "1", "--out", out.toString());
        assertEquals(0, enough.status(), enough.err());
        assertFalse(enough.err().contains("exceeds"), enough.err());
    }

    /** Tester report: concepts ["a","A","a"] were accepted and the results held two concepts named "a". */
    @Test
    void conceptNamesThatRepeatAreBadInput() throws IOException {
        Path good = write("good.safetensors", patches(5, 10));
        Path twins =
                write("twins.safetensors", patches(5, 10).metadata("concepts", "[\"sky\",\"grass\",\"Sky\",\"sand\"]"));
        assertBadInput(
                twins.toString(),
                "'Sky' at 2 repeats 'sky' at 0",
                "--rule",
                "cosine",
                "--train",
                good.toString(),
                "--test",
                twins.toString(),
                "--out",
                dir.resolve("r.json").toString());
        assertFalse(Files.exists(dir.resolve("r.json")));
    }
}
