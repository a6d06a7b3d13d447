package vitprobe.probe.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.probe.data.Synthetic;
import vitprobe.weights.Json;
import vitprobe.weights.Layout;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The qualitative panels of a tiny segmentation grid, pinned byte for byte. */
class QualitativePanelsTest {
    @TempDir
    Path dir;

    /** Two tiny random ViTs whose token grids differ (4×4 and 8×8 at 64 px), so each model keeps its own masks. */
    static final ExperimentRunner.ModelLoader LOADER = (reference, seed) -> ViTWeights.random(
            new ViTConfig(Layout.TIMM, 32, 2, 2, reference.endsWith("8") ? 8 : 16, 64, 3, 64, 1e-6,
                    ViTConfig.IMAGENET_MEAN, ViTConfig.IMAGENET_STD, "bicubic"), seed);

    /**
     * SHA-256 of every file under OUT/qualitative and of the panels in results.json (what the report draws), recorded
     * from the output before QualitativePanels was split up; in JSON the temporary folder is replaced by "DIR" first
     * (the cached cells name the data set).
     * Changing the trainers, the extraction or the forward changes these too; then record them again.
     */
    private static final Map<String, String> RECORDED = new TreeMap<>(Map.of(
            "qualitative.json", "b3120cdf34bc553be73d0ef796fb09be713ddb097a05233d978a670d08951ce7",
            "results.json qualitative", "3e7c8c6708580ed02195b5b5dcab2c4ecef8dc9291219aa97d41b755205f7214",
            "test-0.png", "73308b8ee13a38b48e4b45eeb5e5e5f354b290bde2802c12a36c6aa9e92e8dad",
            "test-2.png", "aa6300bef869c6350131d8148496d09896a6928ee8837b1a7e283f02d86d2973",
            "test-4.png", "d4911390fe5d828a747e8f4685da53cf1800cf300cd2d3a85c760b75fbceaf11"));

    @Test
    void writesTheRecordedPanelsAndPictures() throws IOException {
        Synthetic.writeBroden(dir.resolve("broden"), 24, 64, 3);
        ExperimentConfig config = ExperimentConfig.load(Files.writeString(dir.resolve("grid.json"), """
                {"models": {"patch16": "random:tiny16", "patch8": "random:tiny8"},
                 "tasks": {"segmentation": {"dataset": "broden", "patches_per_image": 8}},
                 "tokens": ["k", "y"], "k": [1, 2], "trials": 2, "batch": 4,
                 "qualitative": {"images": 2, "candidates": 5}}
                """));
        new ExperimentRunner(config, LOADER, new PrintWriter(new StringWriter(), true)).run();
        Map<String, String> digests = digests(config.output().resolve("qualitative"));
        Object panels = Json.parseObject(Files.readString(config.output().resolve("results.json"))).get("qualitative");
        digests.put("results.json qualitative", sha256(withoutTempFolder(Json.writePretty(panels))));
        assertEquals(RECORDED, digests);
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
