package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.engine.extract.FeatureStore;
import vitprobe.io.Json;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.Rule;
import vitprobe.probe.SampleKind;
import vitprobe.testing.Chromium;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;

/** segment with the bundled small DINO-format model (dim 64, 2 blocks, patch 8, 224 input: a 28×28 patch grid). */
class SegmentCommandTest {
    private static final int GRID = 28;

    @TempDir
    Path dir;

    private static String model() throws Exception {
        return TokensCommandTest.bundled("hf-vit-dino-format-small").toString();
    }

    /**
     * The probe's decisions, replayed: templates trained by {@code probe} on features that {@code extract} stored
     * for every patch of some images must, applied by {@code segment} to the same files, decide every patch exactly
     * as {@code ConceptTemplates.decide} does on the stored features. The pictures are 300×300, so segment must
     * preprocess patch templates' images as extract's segmentation task does (resize to 224, no 256-and-crop).
     */
    @Test
    void segmentDecidesEveryStoredPatchAsTheProbeDoes() throws Exception {
        Path broden = dir.resolve("broden");
        assertEquals(
                0,
                CliRunner.run("synth", "--kind", "broden", "--out", broden.toString(), "--images", "8", "--size", "300")
                        .status());
        List<String> imageFiles;
        try (Stream<Path> s = Files.list(broden.resolve("images/synth"))) {
            imageFiles = s.filter(p -> p.getFileName().toString().matches("img_\\d+\\.jpg"))
                    .sorted()
                    .map(Path::toString)
                    .toList();
        }
        assertEquals(8, imageFiles.size());
        Path features = dir.resolve("features"), templatesFile = dir.resolve("t.safetensors");
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                broden.toString(),
                "--task",
                "segmentation",
                "--tokens",
                "x",
                "--block",
                "0",
                "--patches-per-image",
                "all",
                "--dtype",
                "f32",
                "--out",
                features.toString());
        assertEquals(0, r.status(), r.err());
        r = CliRunner.run(
                "probe",
                "--rule",
                "hyperplane",
                "--train",
                features.resolve("x/train").toString(),
                "--test",
                features.resolve("x/val").toString(),
                "--out",
                dir.resolve("result.json").toString(),
                "--save-templates",
                templatesFile.toString());
        assertEquals(0, r.status(), r.err());
        ConceptTemplates templates = ConceptTemplates.load(templatesFile);
        assertEquals(new FeatureOrigin("x", 0, model()), templates.origin());

        Path out = dir.resolve("segments");
        List<String> args = new ArrayList<>(List.of(
                "segment",
                "--templates",
                templatesFile.toString(),
                "--model",
                model(),
                "--out",
                out.toString(),
                "--scores",
                "--batch",
                "3"));
        args.addAll(imageFiles);
        r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.out().startsWith("segment: 8 image(s), " + templates.conceptCount() + " concept(s); wrote "),
                r.out());
        assertTrue(r.err().contains("8/8 images"), "a progress bar over the images: " + r.err());
        assertFalse(r.err().contains("warning"), r.err());

        int concepts = templates.conceptCount();
        float[] scores;
        Map<String, Integer> segmented = new HashMap<>();
        try (SafeTensors st = SafeTensors.open(out.resolve("scores.safetensors"))) {
            Tensor t = st.tensor("scores");
            assertArrayEquals(new long[] {8, concepts, GRID, GRID}, t.shape());
            scores = t.toFloatArray();
            List<?> files = (List<?>) Json.parse(st.metadata().get("images"));
            for (int i = 0; i < files.size(); i++)
                segmented.put(Path.of((String) files.get(i)).getFileName().toString(), i);
        }
        int compared = 0, fired = 0;
        for (String split : List.of("train", "val")) {
            Path folder = features.resolve("x").resolve(split);
            FeatureStore.Features stored = FeatureStore.read(folder);
            Map<Long, String> ids = new HashMap<>();
            try (SafeTensors st = SafeTensors.open(folder.resolve("shard-00000.safetensors"))) {
                for (Object pair : (List<?>) Json.parse(st.metadata().get("images"))) {
                    List<?> p = (List<?>) pair;
                    ids.put(
                            (Long) p.get(0),
                            Path.of((String) p.get(1)).getFileName().toString());
                }
            }
            for (int n = 0; n < stored.size(); n++) {
                float[] feature = Arrays.copyOfRange(stored.features(), n * stored.dim(), (n + 1) * stored.dim());
                boolean[] decided = templates.decide(feature);
                int image = segmented.get(ids.get(stored.groups()[n]));
                int patch = (int) stored.patches()[n];
                for (int c = 0; c < concepts; c++) {
                    float score = scores[(image * concepts + c) * GRID * GRID + patch];
                    assertEquals(decided[c], score > templates.threshold(c), "image " + image + " patch " + patch);
                    if (decided[c]) fired++;
                }
                compared++;
            }
        }
        assertEquals(8 * GRID * GRID, compared, "every patch of every image was stored and compared");
        assertTrue(fired > 0 && fired < compared * concepts, "decisions of both kinds: " + fired);

        Map<String, Object> json = Json.parseObject(Files.readString(out.resolve("segments.json")));
        assertEquals("x", json.get("token_type"));
        assertEquals(0L, json.get("block"));
        int pictures = 0;
        for (Object o : (List<?>) json.get("images")) {
            Map<?, ?> entry = (Map<?, ?>) o;
            BufferedImage overlay =
                    ImageIO.read(out.resolve((String) entry.get("overlay")).toFile());
            assertTrue(overlay.getWidth() > 224 && overlay.getHeight() > 224, overlay.toString());
            List<?> heatmaps = (List<?>) entry.get("heatmaps");
            assertTrue(heatmaps.size() <= 5);
            for (Object h : heatmaps) assertTrue(Files.isRegularFile(out.resolve((String) h)), (String) h);
            pictures += 1 + heatmaps.size();
            assertEquals(concepts, ((List<?>) entry.get("concepts")).size());
        }
        Chromium.assertRendersWithAllImages(out.resolve("index.html"), pictures);
    }

    /** A 300×240 PNG of coloured blocks. */
    private Path picture(String name, long seed) throws Exception {
        BufferedImage image = new BufferedImage(300, 240, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 240; y++)
            for (int x = 0; x < 300; x++)
                image.setRGB(x, y, (x / 30 * 7 + y / 30 * 13 + (int) seed) * 0x10305 & 0xffffff);
        Path file = dir.resolve(name);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private Path templates(String name, SampleKind kind, int dim, FeatureOrigin origin) {
        SplittableRandom r = new SplittableRandom(5);
        List<String> concepts = List.of("sky", "grass", "water", "sand");
        float[] directions = new float[concepts.size() * dim];
        for (int i = 0; i < directions.length; i++) directions[i] = (float) r.nextGaussian();
        Path file = dir.resolve(name);
        new ConceptTemplates(Rule.HYPERPLANE, kind, concepts, dim, directions, new float[concepts.size()], null, origin)
                .save(file);
        return file;
    }

    private CliRunner segment(Path templates, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "segment",
                "--templates",
                templates.toString(),
                "--model",
                model(),
                "--out",
                dir.resolve("out").toString()));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }

    /** One line naming what is wrong, the exit status, and no output folder. */
    private void assertRefused(int status, String start, String fragment, CliRunner r) {
        assertEquals(status, r.status(), r.err());
        String first = r.errorLines().lines().findFirst().orElse("");
        assertTrue(first.startsWith("vitprobe: " + start) && first.contains(fragment), r.err());
        assertEquals(status == 2 ? 2 : 1, r.errorLines().lines().count(), r.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void badInputsAndFlagsAreOneLineAndWriteNothing() throws Exception {
        String image = picture("cat.png", 1).toString();
        FeatureOrigin k1 = new FeatureOrigin("k", 1, null);
        Path good = templates("good.safetensors", SampleKind.PATCH, 64, k1);
        Path narrow = templates("narrow.safetensors", SampleKind.PATCH, 32, k1);
        Path old = templates("old.safetensors", SampleKind.PATCH, 64, FeatureOrigin.UNKNOWN);

        assertRefused(1, image + ":", "", segment(Path.of(image), image));
        Path features = dir.resolve("features.safetensors");
        new vitprobe.weights.SafetensorsWriter()
                .addF32("features", new long[] {1, 64}, new float[64])
                .addU8("labels", new long[] {1, 1}, new byte[1])
                .write(features);
        assertRefused(1, features + ": not a concept templates file", "", segment(features, image));
        assertRefused(
                1,
                narrow + ": ",
                "the templates are 32 wide but the model's k tokens are 64 wide",
                segment(narrow, image));
        assertRefused(1, good + ": ", "unknown concept 'dog'", segment(good, "--concepts", "sky,dog", image));
        assertRefused(1, old + ": ", "do not record their token type; give --tokens", segment(old, image));
        assertRefused(1, old + ": ", "do not record their block; give --block", segment(old, "--tokens", "k", image));
        Path broken = dir.resolve("broken.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertRefused(1, broken.toString(), "", segment(good, image, broken.toString()));

        assertRefused(2, "--top", "1 to 10", segment(good, "--top", "0", image));
        assertRefused(2, "--top", "1 to 10", segment(good, "--top", "11", image));
        assertRefused(2, "--block", "outside the model's 2 blocks", segment(good, "--block", "-3", image));
        assertRefused(2, "--block", "outside the model's 2 blocks (0..1", segment(good, "--block", "2", image));
        assertRefused(2, "--tokens attn", "attention map", segment(good, "--tokens", "attn", image));
        assertRefused(2, "--tokens", "unknown intermediate 'keys'", segment(good, "--tokens", "keys", image));

        CliRunner r = segment(old, "--tokens", "k", "--block", "-1", "--concepts", "water,sky", image);
        assertEquals(0, r.status(), r.err());
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) Json.parseObject(Files.readString(dir.resolve("out/segments.json")))
                        .get("images"))
                .getFirst();
        assertEquals(
                List.of("water", "sky"),
                ((List<?>) entry.get("concepts"))
                        .stream().map(c -> ((Map<?, ?>) c).get("concept")).toList());
    }

    /**
     * The testers' cases: an image whose patch grid differs from the first one's (so {@code --scores} cannot hold
     * both) failed after the first image's pictures were written, and a 300-character concept name made a file name
     * the file system refused, halfway too. A run that fails leaves no folder it made, and a folder that was there
     * as it was; a long concept name is cut in file names.
     */
    @Test
    void aRunThatFailsHalfwayLeavesNothingAndLongConceptNamesFit() throws Exception {
        Path good = templates("good.safetensors", SampleKind.PATCH, 64, new FeatureOrigin("k", 1, null));
        BufferedImage square = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        Path other = dir.resolve("square.png");
        ImageIO.write(square, "png", other.toFile());
        String[] mixed = {
            "--scores",
            "--keep-aspect",
            "--image-size",
            "64",
            picture("wide.png", 1).toString(),
            other.toString()
        };
        assertRefused(1, other + ": a 8x8 patch grid where the first image has 8x10", "", segment(good, mixed));

        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("index.html"), "an earlier run's page");
        CliRunner r = segment(good, mixed);
        assertEquals(1, r.status(), r.err());
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(
                    List.of("index.html"),
                    left.map(p -> p.getFileName().toString())
                            .filter(n -> !n.equals(".vitprobe.lock"))
                            .toList());
        }
        assertEquals("an earlier run's page", Files.readString(out.resolve("index.html")));

        String longName = "x".repeat(300);
        Path named = dir.resolve("long.safetensors");
        new ConceptTemplates(
                        Rule.HYPERPLANE,
                        SampleKind.PATCH,
                        List.of(longName, "sky"),
                        64,
                        new float[2 * 64],
                        new float[] {-1, 1},
                        null,
                        new FeatureOrigin("k", 1, null))
                .save(named);
        r = segment(named, "--scores", picture("cat.png", 2).toString());
        assertEquals(0, r.status(), r.err());
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().allMatch(n -> n.length() < 120), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("cat-score-xxx")), names.toString());
        }
        Chromium.assertRendersWithAllImages(out.resolve("index.html"), 2);
    }

    /** Tester report: --scores with pictures of two patch grids failed only after the forward of every image. */
    @Test
    void scoresOfMixedGridsAreRefusedBeforeTheModelRuns() throws Exception {
        Path good = templates("good.safetensors", SampleKind.PATCH, 64, new FeatureOrigin("k", 1, null));
        Path square = dir.resolve("square.png");
        ImageIO.write(new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB), "png", square.toFile());
        CliRunner r = segment(
                good,
                "--scores",
                "--keep-aspect",
                "--image-size",
                "64",
                picture("wide.png", 1).toString(),
                square.toString());
        assertRefused(1, square + ": a 8x8 patch grid where the first image has 8x10", "", r);
        assertFalse(r.err().contains("device:"), "no backend was opened, nothing forwarded: " + r.err());
    }

    @Test
    void clsTemplatesRankTheConceptsThatFireAndWarnAboutAnotherModel() throws Exception {
        Path t = templates("cls.safetensors", SampleKind.CLS, 64, new FeatureOrigin("y_norm", 1, "hf:someone/else"));
        CliRunner r = segment(
                t,
                "--top",
                "2",
                picture("a.png", 1).toString(),
                picture("b.png", 2).toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.err().contains("segment: warning: " + t + " was trained on features of hf:someone/else, not of "),
                r.err());
        Path out = dir.resolve("out");
        List<?> images = (List<?>)
                Json.parseObject(Files.readString(out.resolve("segments.json"))).get("images");
        for (Object o : images) {
            Map<?, ?> entry = (Map<?, ?>) o;
            List<?> fired = (List<?>) entry.get("fired");
            double last = Double.POSITIVE_INFINITY;
            for (Object f : fired) {
                double margin = ((Number) ((Map<?, ?>) f).get("margin")).doubleValue();
                assertTrue(margin > 0 && margin <= last, fired.toString());
                last = margin;
            }
            assertTrue(Files.isRegularFile(out.resolve((String) entry.get("overlay"))));
        }
        Chromium.assertRendersWithAllImages(out.resolve("index.html"), 2);
    }
}
