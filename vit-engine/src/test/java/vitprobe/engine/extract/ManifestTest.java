package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.io.JsonRecords;
import vitprobe.weights.DType;

/**
 * manifest.json keeps the bytes of the folders written before it was a record, so that those still resume. The
 * expected files were written by the map-based code the record replaced, with the weights' path and the backend
 * (which depend on the machine) put back as WEIGHTS and BACKEND.
 */
class ManifestTest {
    @TempDir
    Path dir;

    /** The manifest an extraction writes, read back as a record and as text with the placeholders put in. */
    private record Written(Manifest manifest, String text) {}

    private Written extract(Path weights, ExtractOptions options) throws Exception {
        Path out = dir.resolve("out");
        String backend;
        try (VisionTransformer vit = TinyModel.create()) {
            backend = vit.backend().numerics();
            new Extractor(vit, new ModelId("tiny", weights), options, 2, 1, null)
                    .run(TestSource.of(3, 3, 2, List.of(), List.of(), 0), out);
        }
        String text = Files.readString(out.resolve(FeatureStore.MANIFEST));
        Manifest manifest = JsonRecords.read(text, Manifest.class);
        assertEquals(text, JsonRecords.writePretty(manifest), "the record writes back the same bytes");
        if (weights != null) text = text.replace(weights.toString(), "WEIGHTS");
        return new Written(manifest, text.replace(backend, "BACKEND"));
    }

    private static String expected(String name) throws IOException {
        try (InputStream in = ManifestTest.class.getResourceAsStream("/manifests/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void classificationManifestWithAWeightsFingerprintKeepsItsBytes() throws Exception {
        Path weights = Files.write(dir.resolve("weights.safetensors"), new byte[] {1, 2, 3, 4});
        Files.setLastModifiedTime(weights, FileTime.fromMillis(1_700_000_000_000L));
        Written written = extract(
                weights,
                new ExtractOptions(
                        Task.CLASSIFICATION,
                        1,
                        EnumSet.of(Intermediate.Y, Intermediate.Q),
                        DType.F32,
                        2,
                        PatchSelection.ALL));
        assertEquals(expected("classification.json"), written.text());
        assertEquals(null, written.manifest().patchGrid(), "segmentation keys are left out");
        assertEquals(4L, written.manifest().weights().size());
    }

    @Test
    void segmentationManifestKeepsItsBytes() throws Exception {
        Written written = extract(
                null,
                new ExtractOptions(
                        Task.SEGMENTATION, 0, EnumSet.of(Intermediate.Y), DType.F16, 2, new PatchSelection(4, 7)));
        assertEquals(expected("segmentation.json"), written.text());
        assertEquals(new Manifest.SplitSize(3, 2), written.manifest().splits().get("train"));
        assertEquals(null, written.manifest().weights(), "generated weights have no fingerprint");
    }

    @Test
    void readingFeaturesNamesAManifestOfTheWrongShape() throws Exception {
        extract(
                null,
                new ExtractOptions(
                        Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.Y), DType.F32, 2, PatchSelection.ALL));
        Path manifest = dir.resolve("out").resolve(FeatureStore.MANIFEST);
        Files.writeString(manifest, Files.readString(manifest).replace("\"shards\": 2", "\"shards\": \"two\""));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FeatureStore.read(dir.resolve("out").resolve("y").resolve("train")));
        assertEquals(
                manifest + ": unreadable manifest (splits.train.shards: expected an integer, found a string)",
                e.getMessage());
    }
}
