package vitprobe.probe.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.PosResample;
import vitprobe.engine.extract.Task;
import vitprobe.io.AtomicFiles;
import vitprobe.probe.Rule;
import vitprobe.probe.data.Synthetic;
import vitprobe.results.FileNamePart;

class ExperimentConfigTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void datasets() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("cls"), 2, 2, 1, 32, 32, 0);
        Synthetic.writeBroden(dir.resolve("broden"), 4, 32, 0);
    }

    private static Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void yamlAndJsonGiveTheSameExperiment() throws IOException {
        Path yaml = write("grid.yaml", """
                models: {dino: hf:facebook/dino-vits8, local: weights/model.safetensors}
                tasks:
                  classification: {dataset: cls}
                  segmentation: {dataset: broden, patches_per_image: 8}
                tokens: [q, k, v, x, y, y_norm]
                rules: [hyperplane, cosine]
                k: [10, 1, 5]
                trials: 3
                """);
        Path json = write("grid.json", """
                {"models": {"dino": "hf:facebook/dino-vits8", "local": "weights/model.safetensors"},
                 "tasks": {"classification": {"dataset": "cls"}, "segmentation": {"dataset": "broden", "patches_per_image": 8}},
                 "tokens": ["q", "k", "v", "x", "y", "y_norm"], "rules": ["hyperplane", "cosine"], "k": [10, 1, 5], "trials": 3}
                """);
        ExperimentConfig a = ExperimentConfig.load(yaml), b = ExperimentConfig.load(json);
        assertEquals(
                a.describe().toString().replace("grid.yaml", "grid.json"),
                b.describe().toString());
        assertEquals(
                List.of(
                        Intermediate.Q,
                        Intermediate.K,
                        Intermediate.V,
                        Intermediate.X,
                        Intermediate.Y,
                        Intermediate.Y_NORM),
                a.tokens(),
                "YAML 1.1 must not read the token type y as a boolean");
        assertEquals(List.of(1, 5, 10), a.ks());
        assertEquals(List.of(Rule.HYPERPLANE, Rule.COSINE), a.rules());
        assertEquals(dir.resolve("grid"), a.output());
        assertEquals(
                dir.resolve("weights/model.safetensors").toString(),
                a.models().get(1).reference());
        ExperimentConfig.TaskSpec segmentation = a.tasks().get(1);
        assertEquals(Task.SEGMENTATION, segmentation.task());
        assertEquals("val", segmentation.testSplit(), "Broden has no test split: val is the default");
        assertEquals("test", a.tasks().getFirst().testSplit());
        assertEquals(8, segmentation.patchesPerImage());
    }

    @Test
    void listedModelsAreNamedAfterTheirReference() {
        assertEquals("dino-vits8", ExperimentConfig.defaultName("hf:facebook/dino-vits8@main"));
        assertEquals("random-vits8", ExperimentConfig.defaultName("random:vits8"));
        assertEquals("model", ExperimentConfig.defaultName("/w/model.safetensors"));
        assertEquals("dino", ExperimentConfig.defaultName("/w/dino/"));
    }

    private static void assertError(String config, String expected) throws IOException {
        Path file = write("bad.yaml", config);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.load(file));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " lacks " + expected);
    }

    @Test
    void everyMistakeIsOneLineNamingFileAndKey() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertError(ok + "tokens: [q, z]\n", "tokens: unknown token type 'z' (known: norm1, q, k, v,");
        assertError(ok + "tokens: [attn]\n", "tokens: unknown token type 'attn'");
        assertError(ok + "rules: [cosine, dot]\n", "rules: unknown rule 'dot' (known: hyperplane, cosine)");
        assertError(ok + "k: [5, 0]\n", "k: values must be positive integers, got 0");
        assertError(ok + "k: [5, five]\n", "k: values must be positive integers, got five");
        assertError(ok + "k: [5, 5]\n", "k: lists 5 twice");
        assertError(ok + "trials: 0\n", "trials: must be a positive integer, got 0");
        assertError(ok + "solver: sgd\n", "solver: unknown value 'sgd'");
        assertError(ok + "tokenz: [q]\n", "tokenz: unknown setting (known: batch, block,");
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: missing}}\n",
                "tasks.classification.dataset: no such folder " + dir.resolve("missing"));
        assertError(
                "models: [random:vits8]\ntasks: {detection: {dataset: cls}}\n",
                "tasks.detection: unknown task (known: classification, segmentation)");
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: cls, test: val}}\n",
                "has no split 'val' (splits: train, test)");
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: cls, patches_per_image: 4}}\n",
                "patches_per_image: only applies to segmentation");
        assertError("tasks: {classification: {dataset: cls}}\n", "models: is missing");
        assertError(
                "models: [random:vits8, random:vits8]\ntasks: {classification: {dataset: cls}}\n",
                "name 'random-vits8' is used twice");
        assertError(
                "models: {mödel-模型: random:vits8}\ntasks: {classification: {dataset: cls}}\n",
                "name 'mödel-模型' must be ASCII letters, digits, '.', '_' or '-'");
        assertError("models: [random:vits8]\n", "tasks: is missing");
        assertError("models: [random:vits8\n", "invalid YAML");
    }

    /**
     * Tester report: a model name of 245 characters passed the checks and the run failed at its very end, writing
     * figures/tokens-NAME-classification.png ("File name too long"). The longest name allowed must fit in the
     * longest file the run names after a model (with the temporary name it is written under), one more is refused.
     */
    @Test
    void aModelNameTooLongForTheFilesItNamesIsRefusedBeforeAnyWork() throws IOException {
        String longest = "m".repeat(FileNamePart.MAX_BYTES);
        String tasks = "\ntasks: {classification: {dataset: cls}}\n";
        assertEquals(
                longest,
                ExperimentConfig.load(write("long.yaml", "models: {" + longest + ": random:vits8}" + tasks))
                        .models()
                        .getFirst()
                        .name());
        AtomicFiles.writeString(dir.resolve("k-sweep-" + longest + "-classification.svg"), "<svg/>");
        assertError("models: {" + longest + "m: random:vits8}" + tasks, "models: name 'mmm");
        assertError(
                "models: {" + longest + "m: random:vits8}" + tasks,
                "is " + (FileNamePart.MAX_BYTES + 1) + " bytes long, over the " + FileNamePart.MAX_BYTES
                        + " that fit in the file names it gives");
        assertError("models: {" + "m".repeat(245) + ": random:vits8}" + tasks, "is 245 bytes long");
    }

    /** Tester report: extract took --patches-per-image all, the config refused patches_per_image: all. */
    @Test
    void patchesPerImageAllKeepsEveryPatchAsExtractDoes() throws IOException {
        String config = "models: [random:vits8]\ntasks: {segmentation: {dataset: broden, patches_per_image: %s}}\n";
        ExperimentConfig all = ExperimentConfig.load(write("all.yaml", config.formatted("all")));
        assertEquals(0, all.tasks().getFirst().patchesPerImage(), "0 keeps every patch, as PatchSelection takes it");
        assertError(
                config.formatted("most"),
                "tasks.segmentation.patches_per_image: must be a positive integer or all, got most");
        assertError(config.formatted("0"), "tasks.segmentation.patches_per_image: must be a positive integer, got 0");
    }

    /** Tester report: a seed past 64 bits was wrapped to another seed and recorded; block and image_size too. */
    @Test
    void anIntegerPast64BitsIsRefusedNotWrapped() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertError(
                ok + "seed: 99999999999999999999999\n", "seed: must be a 64-bit integer, got 99999999999999999999999");
        assertError(ok + "seed: -99999999999999999999999\n", "seed: must be a 64-bit integer");
        assertEquals(
                Long.MAX_VALUE,
                ExperimentConfig.load(write("max.yaml", ok + "seed: 9223372036854775807\n"))
                        .seed());
        // 2^64 + 64 and 2^64 - 1 wrapped to 64 and -1, both valid settings
        assertError(ok + "image_size: 18446744073709551680\n", "image_size: must be a size in pixels");
        assertError(ok + "block: 18446744073709551615\n", "block: must be a 64-bit integer");
        assertError(ok + "block: 4294967295\n", "block: must be a block index, got 4294967295");
        assertError(ok + "trials: 18446744073709551617\n", "trials: must be at most 2147483647");
        assertError(ok + "batch: 4294967312\n", "batch: must be at most 2147483647, got 4294967312");
        assertError(ok + "k: [1, 18446744073709551617]\n", "k: values must be at most 2147483647");
        assertError(ok + "qualitative: {images: 18446744073709551617}\n", "qualitative.images: must be at most");
        Path json = write("seed.json", """
                {"models": ["random:vits8"], "tasks": {"classification": {"dataset": "cls"}},
                 "seed": 99999999999999999999999}
                """);
        var e = assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.load(json));
        assertEquals(json + ": seed: must be a 64-bit integer, got 1.0E23", e.getMessage());
    }

    /** Tester report: a one-class data set failed only after extraction, naming no file. */
    @Test
    void aClassificationDataSetNeedsTwoClassesInBothSplits() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("one"), 1, 2, 1, 32, 32, 0);
        String name;
        try (var classes = Files.list(dir.resolve("one/train"))) {
            name = classes.findFirst().orElseThrow().getFileName().toString();
        }
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: one}}\n",
                "tasks.classification: " + dir.resolve("one") + " has only 1 class (" + name
                        + "); a concept needs negatives");
        // Two classes, but the test split has images of one only: no class has negatives there.
        Synthetic.writeImageFolder(dir.resolve("lopsided"), 2, 2, 1, 32, 32, 0);
        try (var classes = Files.list(dir.resolve("lopsided/test"))) {
            Path first = classes.sorted().findFirst().orElseThrow();
            try (var images = Files.list(first)) {
                for (Path image : images.toList()) Files.delete(image);
            }
        }
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: lopsided}}\n",
                "tasks.classification: " + dir.resolve("lopsided") + ": no class has positives and negatives in both");
        Synthetic.writeImageFolder(dir.resolve("untested"), 2, 2, 0, 32, 32, 0);
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: untested}}\n",
                "tasks.classification: " + dir.resolve("untested") + " has no images in 'test'");
    }

    /** Tester report: k above the training images of a class was recorded as that k without a word. */
    @Test
    void aKAboveTheSmallestClassIsAWarning() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertEquals(
                List.of(),
                ExperimentConfig.load(write("a.yaml", ok + "k: [1, 2]\n")).warnings());
        ExperimentConfig c = ExperimentConfig.load(write("b.yaml", ok + "k: [1, 3, 50]\n"));
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        String w = c.warnings().getFirst();
        assertTrue(
                w.startsWith("tasks.classification: k 3, 50 exceed the 2 training images of the smallest class ("), w);
        assertEquals(c.warnings(), c.withOutput(dir.resolve("x")).warnings(), "kept by withOutput");
        assertEquals(
                List.of(),
                ExperimentConfig.load(write("c.yaml", ok + "k: [50]\nrules: [hyperplane]\n"))
                        .warnings(),
                "k only matters to the cosine rule");
    }

    /** Tester report: an output inside the data set scattered files among its classes. */
    @Test
    void anOutputMustStayApartFromTheDataSets() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertError(
                ok + "output: cls\n",
                "output: " + dir.resolve("cls") + " is the data set folder of tasks.classification");
        assertError(ok + "output: cls/train\n", "output: " + dir.resolve("cls/train") + " lies inside the data set");
        // A data set below the output is refused where the experiment writes (features/ here), not elsewhere (the
        // demo keeps data/ beside its results).
        Synthetic.writeImageFolder(dir.resolve("wrap/features"), 2, 1, 1, 32, 32, 0);
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: wrap/features}}\noutput: wrap\n",
                "output: " + dir.resolve("wrap") + " holds the data set folder of tasks.classification ("
                        + dir.resolve("wrap/features") + ") in features, which the experiment writes");
        assertEquals(
                dir,
                ExperimentConfig.load(write("here.yaml", ok + "output: .\n")).output());
        Path link = dir.resolve("cls-link");
        if (!Files.exists(link)) Files.createSymbolicLink(link, dir.resolve("cls"));
        assertError(ok + "output: cls-link/out\n", "lies inside the data set folder of tasks.classification");
        Files.writeString(dir.resolve("afile"), "x");
        assertError(ok + "output: afile\n", "output: " + dir.resolve("afile") + " exists and is not a folder");
        assertError(ok + "output: afile/out\n", "output: " + dir.resolve("afile") + " is a file, not a folder");
        ExperimentConfig c = ExperimentConfig.load(write("fine.yaml", ok + "output: results\n"));
        assertEquals(null, c.outputProblem(c.output()));
        assertTrue(c.outputProblem(dir.resolve("cls/test/x")).contains("lies inside"));
    }

    @Test
    void theInputSizeIsANumberAPairOrText() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertEquals(
                InputResolution.NATIVE,
                ExperimentConfig.load(write("a.yaml", ok)).input());
        assertEquals(
                new InputResolution(448, 448, false, null),
                ExperimentConfig.load(write("b.yaml", ok + "image_size: 448\n")).input());
        assertEquals(
                new InputResolution(280, 392, false, PosResample.TRANSFORMERS),
                ExperimentConfig.load(write("c.yaml", ok + "image_size: [280, 392]\npos_resample: transformers\n"))
                        .input());
        ExperimentConfig keep = ExperimentConfig.load(write("d.json", """
                {"models": ["random:vits8"], "tasks": {"classification": {"dataset": "cls"}},
                 "image_size": "448", "keep_aspect": true}
                """));
        assertEquals(new InputResolution(448, 448, true, null), keep.input());
        assertEquals("shorter side 448, aspect kept", keep.describe().imageSize());
        assertEquals(null, keep.describe().posResample());
        assertEquals(null, ExperimentConfig.load(write("e.yaml", ok)).describe().imageSize());
        assertEquals(
                new InputResolution(224, 224, false, null),
                ExperimentConfig.load(write("f.yaml", ok))
                        .withInput(new InputResolution(224, 224, false, null))
                        .input());
    }

    @Test
    void aBadInputSizeIsOneLineNamingItsKey() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertError(ok + "image_size: 0\n", "image_size: '0': sides must be 1 to 4096 pixels, got 0");
        assertError(ok + "image_size: 100000\n", "image_size: '100000': sides must be 1 to 4096 pixels");
        assertError(ok + "image_size: [1, 2, 3]\n", "image_size: must be a size in pixels, H or [H, W], got [1, 2, 3]");
        assertError(ok + "image_size: big\n", "image_size: 'big' is not a size: give H or H,W in pixels");
        assertError(
                ok + "image_size: [448, 224]\nkeep_aspect: true\n",
                "image_size: '448,224': keeping the aspect ratio takes one size, the shorter side");
        assertError(ok + "keep_aspect: true\n", "keep_aspect: keeping the aspect ratio needs the shorter side");
        assertError(ok + "keep_aspect: yes please\n", "keep_aspect: must be true or false");
        assertError(
                ok + "pos_resample: pil\n",
                "pos_resample: unknown position-embedding resampling 'pil' (known: timm, transformers)");
    }

    @Test
    void aSparkBlockNamesTheMasterAndTheConceptsPerTask() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertEquals(null, ExperimentConfig.load(write("a.yaml", ok)).spark(), "no block: no Spark");
        assertEquals(
                new ExperimentConfig.Spark("local[2]", 64),
                ExperimentConfig.load(write("b.yaml", ok + "spark: {master: 'local[2]', concepts_per_task: 64}\n"))
                        .spark());
        assertEquals(
                new ExperimentConfig.Spark("local[*]", 128),
                ExperimentConfig.load(write("c.json", """
                                {"models": ["random:vits8"], "tasks": {"classification": {"dataset": "cls"}},
                                 "spark": {}}
                                """))
                        .withOutput(dir.resolve("elsewhere"))
                        .spark(),
                "defaults, kept by withOutput");
        assertError(ok + "spark: local[2]\n", "spark: must be an object");
        assertError(ok + "spark: {master: ''}\n", "spark.master: must be a non-empty string");
        assertError(ok + "spark: {master: 'local[2]', concepts_per_task: 0}\n", "spark.concepts_per_task: must be a");
        assertError(ok + "spark: {masters: 'local[2]'}\n", "spark.masters: unknown setting (known: concepts_per_task");
    }

    @Test
    void aYamlSyntaxErrorSaysWhereItIs() throws IOException {
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\ntrials: [1, 2\nseed: 3\n",
                "bad.yaml: line 4, column 5: invalid YAML: expected ',' or ']', but got : "
                        + "(while parsing a flow sequence started at line 3, column 9)");
        assertError(
                "models: [random:vits8]\n  tasks: x\n",
                "bad.yaml: line 2, column 3: invalid YAML: expected <block end>");
        assertError(
                "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\nmodels: [random:vitb16]\n",
                "bad.yaml: line 3, column 1: invalid YAML: found duplicate key models");
    }
}
