package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.ExtractOptions;
import vitprobe.engine.extract.Extractor;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.PatchSelection;
import vitprobe.engine.extract.SampleSource;
import vitprobe.engine.extract.Task;
import vitprobe.kernels.Backends;
import vitprobe.probe.ProbeData;
import vitprobe.probe.SampleKind;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.DType;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** Extraction from the synthetic sets, read back as probe data. */
class ExtractedFeaturesTest {
    static final ViTConfig TINY = new ViTConfig(
            CheckpointFormat.TIMM,
            32,
            2,
            2,
            8,
            32,
            3,
            64,
            1e-6,
            ViTConfig.imagenetMean(),
            ViTConfig.imagenetStd(),
            "bicubic");

    @TempDir
    Path dir;

    static void extract(SampleSource source, ExtractOptions options, Path out) throws Exception {
        try (VisionTransformer vit = new VisionTransformer(ViTWeights.random(TINY, 1), Backends.create("cpu"))) {
            new Extractor(vit, new ModelId("tiny", null), options, 4, 2, null).run(source, out);
        }
    }

    @Test
    void classificationShardsLoadAsClsProbeData() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 3, 5, 2, 48, 40, 1);
        extract(
                ImageFolder.open(dir.resolve("set")),
                new ExtractOptions(
                        Task.CLASSIFICATION,
                        1,
                        EnumSet.of(Intermediate.K, Intermediate.Y),
                        DType.F16,
                        4,
                        PatchSelection.ALL),
                dir.resolve("out"));
        ProbeData train = ExtractedFeatures.load(dir.resolve("out/k/train"));
        assertEquals(15, train.size());
        assertEquals(32, train.dim());
        assertEquals(SampleKind.CLS, train.tokens());
        assertEquals(List.of("red-circle", "red-square", "red-triangle"), train.concepts());
        for (int c = 0; c < 3; c++) assertEquals(5, train.positives(c).length);
        assertEquals(6, ExtractedFeatures.load(dir.resolve("out/y/test")).size());
        assertEquals(
                4,
                ExtractedFeatures.load(dir.resolve("out/y/test/shard-00000.safetensors"))
                        .size());
    }

    @Test
    void segmentationShardsLoadAsPatchProbeDataWithCategories() throws Exception {
        Synthetic.writeBroden(dir.resolve("broden"), 6, 32, 2);
        extract(
                Broden.open(dir.resolve("broden")),
                new ExtractOptions(
                        Task.SEGMENTATION, 0, EnumSet.of(Intermediate.V), DType.F32, 2, new PatchSelection(6, 0)),
                dir.resolve("out"));
        ProbeData train = ExtractedFeatures.load(dir.resolve("out/v/train"));
        assertEquals(SampleKind.PATCH, train.tokens());
        assertEquals(5, train.imageCount()); // every fourth image is in val
        assertEquals(5 * 6, train.size());
        assertTrue(train.hasCategories());
        assertEquals(2L, train.category(train.concepts().indexOf("striped")));
    }
    /** ProbeData's own checks know no file; a folder that fails them is named (a tester saw no name at all). */
    @Test
    void aShardFolderThatProbeDataRefusesIsNamed() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 2, 2, 1, 32, 32, 1);
        extract(
                ImageFolder.open(dir.resolve("set")),
                new ExtractOptions(
                        Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.K), DType.F16, 4, PatchSelection.ALL),
                dir.resolve("out"));
        Path folder = dir.resolve("out/k/train"), shard = folder.resolve("shard-00000.safetensors");
        // Same length, so the header keeps its size: the shard's concepts become red-circle and Red-Circle.
        byte[] bytes = java.nio.file.Files.readAllBytes(shard);
        String latin = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        java.nio.file.Files.write(
                shard,
                latin.replace("red-square", "Red-Circle").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        var e = assertThrows(IllegalArgumentException.class, () -> ExtractedFeatures.load(folder));
        assertTrue(e.getMessage().startsWith(folder + ": ") && e.getMessage().contains("must differ"), e.getMessage());
    }
}
