package vitprobe.probe.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.Json;
import vitprobe.probe.data.Synthetic;
import vitprobe.results.QualitativePanel;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * The qualitative panels of a tiny segmentation grid, pinned byte for byte. This data set exercises every choice the
 * panels make: in both panels some candidates show no whole patch of the concept and are left out, and in the
 * worst-F1 panel two images tie on mean IoU. Showing two images per panel, more remain than are shown and the tie
 * decides the last one shown; showing four, every image left in is shown, in the order the tie-break gives.
 */
class QualitativePanelsTest {
    @TempDir
    Path dir;

    /** Two tiny random ViTs whose token grids differ (4×4 and 8×8 at 64 px), so each model keeps its own masks. */
    static final ExperimentRunner.ModelLoader LOADER = (reference, seed) -> ViTWeights.random(
            new ViTConfig(
                    CheckpointFormat.TIMM,
                    32,
                    2,
                    2,
                    reference.endsWith("8") ? 8 : 16,
                    64,
                    3,
                    64,
                    1e-6,
                    ViTConfig.imagenetMean(),
                    ViTConfig.imagenetStd(),
                    "bicubic"),
            seed);

    /*
     * SHA-256 of every file under OUT/qualitative and of the panels in results.json (what the report draws), recorded
     * from the output before QualitativePanels was split up; in JSON the temporary folder is replaced by "DIR" first
     * (the cached cells name the data set). Changing the trainers, the extraction or the forward changes these too;
     * then record them again.
     */
    private static final Map<String, String> SHOWING_TWO = new TreeMap<>(Map.of(
            "qualitative.json", "4f68740cedf6cc3c90ac2babd9fbe7795293de705a0aa9a602fe3afe7cc02d34",
            "results.json qualitative", "da9368de2c80ad552020cd5ec8f0b7377d4cd30b548c1f66edfbdd11ec7eb887",
            "test-0.png", "5fb69b61a4496f29d7b8af1ac259f05032ec4c3af2cc354edd34534318a5c5b3",
            "test-2.png", "9264b260e7876da9c669b99be66903684f46defbf72c8b3bd43fceef872cd7d1",
            "test-3.png", "23ca1f4439e10d31f346b9ec3dec070f28d1d99feab102e6760d76efab5f9e31",
            "test-4.png", "edf13df32bd7fbfb7413c5536a6b445941b8514d4a5e9f24a2c5ca65a33980d8"));
    private static final Map<String, String> SHOWING_FOUR = new TreeMap<>(Map.of(
            "qualitative.json", "9cf04e2764d4cbec4fb0d121da597dce1211777f9a150aa8496ffcd3d55162c2",
            "results.json qualitative", "dfe46fd6552894eeee4914a0c2dce2fc8f3ce046726e7e3f5195db6f4e1c38bd",
            "test-0.png", "5fb69b61a4496f29d7b8af1ac259f05032ec4c3af2cc354edd34534318a5c5b3",
            "test-2.png", "9264b260e7876da9c669b99be66903684f46defbf72c8b3bd43fceef872cd7d1",
            "test-3.png", "23ca1f4439e10d31f346b9ec3dec070f28d1d99feab102e6760d76efab5f9e31",
            "test-4.png", "edf13df32bd7fbfb7413c5536a6b445941b8514d4a5e9f24a2c5ca65a33980d8",
            "test-5.png", "6187aeebfbcd2a6791710992d6e6f5a51d0917f585df3798d230acbe83dfae5c",
            "test-6.png", "ceeb5dba1e61b8f342e443515c1df0bb1c1e4cbf3c4d49d568573614aeba585d"));

    @Test
    void writesTheRecordedPanelsAndPictures() throws IOException {
        Synthetic.writeBroden(dir.resolve("broden"), 32, 64, 1);
        assertEquals(SHOWING_TWO, panelDigests(2));
        assertEquals(SHOWING_FOUR, panelDigests(4));
    }

    /**
     * At a non-square input (32 × 64 pixels: 4 × 8 patches for patch 8, 2 × 4 for patch 16) the stored grids, the
     * masks and the pictures follow each model's own grid.
     */
    @Test
    void aNonSquareInputGivesNonSquareMasksAndPictures() throws IOException {
        Synthetic.writeBroden(dir.resolve("broden"), 32, 64, 1);
        ExperimentConfig config = ExperimentConfig.load(Files.writeString(dir.resolve("wide.json"), """
                {"models": {"patch16": "random:tiny16", "patch8": "random:tiny8"},
                 "tasks": {"segmentation": {"dataset": "broden", "patches_per_image": 8}},
                 "tokens": ["y"], "rules": ["cosine"], "k": [2], "trials": 2, "batch": 4,
                 "image_size": [32, 64], "qualitative": {"images": 2, "candidates": 6}}
                """));
        new ExperimentRunner(config, LOADER, new PrintWriter(new StringWriter(), true)).run();
        Map<String, Object> manifest = Json.parseObject(Files.readString(
                config.output().resolve("features/patch8/segmentation").resolve("manifest.json")));
        assertEquals(List.of(4L, 8L), manifest.get("grid"));
        ResultsDocument results = ResultsJson.read(config.output().resolve("results.json"));
        assertEquals("32x64", results.experiment().imageSize());
        int shown = 0;
        for (QualitativePanel panel : results.qualitative()) {
            for (QualitativePanel.Image image : panel.images()) {
                shown++;
                BufferedImage picture =
                        ImageIO.read(config.output().resolve(image.picture()).toFile());
                assertEquals(List.of(64, 32), List.of(picture.getWidth(), picture.getHeight()), image.picture());
                assertEquals(image.grid() * image.columns(), image.truth().length());
                for (QualitativePanel.Prediction p : image.predictions()) {
                    boolean patch8 = p.model().equals("patch8");
                    assertEquals(patch8 ? List.of(4, 8) : List.of(2, 4), List.of(p.grid(), p.columns()), p.model());
                    assertEquals(p.grid() * p.columns(), p.mask().length());
                }
            }
        }
        assertTrue(shown > 0, "some panel shows an image");
    }

    /** Runs the grid into a new folder with this many images per panel; returns the digests of the panel data. */
    private Map<String, String> panelDigests(int images) throws IOException {
        ExperimentConfig config =
                ExperimentConfig.load(Files.writeString(dir.resolve("grid.json"), """
                {"models": {"patch16": "random:tiny16", "patch8": "random:tiny8"},
                 "tasks": {"segmentation": {"dataset": "broden", "patches_per_image": 8}},
                 "tokens": ["k", "y"], "k": [1, 2], "trials": 2, "batch": 4,
                 "qualitative": {"images": %d, "candidates": 6}, "output": "showing-%d"}
                """.formatted(images, images)));
        new ExperimentRunner(config, LOADER, new PrintWriter(new StringWriter(), true)).run();
        Map<String, String> digests = digests(config.output().resolve("qualitative"));
        Object panels = Json.parseObject(Files.readString(config.output().resolve("results.json")))
                .get("qualitative");
        digests.put("results.json qualitative", sha256(withoutTempFolder(Json.writePretty(panels))));
        return digests;
    }

    private Map<String, String> digests(Path folder) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                byte[] bytes = Files.readAllBytes(f);
                if (f.getFileName().toString().endsWith(".json")) bytes = withoutTempFolder(Files.readString(f));
                digests.put(f.getFileName().toString(), sha256(bytes));
            }
        }
        return digests;
    }

    private byte[] withoutTempFolder(String json) {
        return json.replace(dir.toString(), "DIR").getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
