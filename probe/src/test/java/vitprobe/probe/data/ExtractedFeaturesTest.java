package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        assertEquals("texture", train.categoryName(train.concepts().indexOf("striped")), "named as the shards name it");
        assertEquals(
                "texture",
                ExtractedFeatures.load(dir.resolve("out/v/train/shard-00000.safetensors"))
                        .categoryName(train.concepts().indexOf("striped")),
                "a single shard too");
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
    /**
     * A tester copied shards of another token type, block, split or a duplicate into a folder and it was probed:
     * each is named with what differs, before any work.
     */
    @Test
    void aShardThatDoesNotBelongToItsFolderIsNamed() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 3, 5, 2, 32, 32, 1);
        var tokens = EnumSet.of(Intermediate.K, Intermediate.Q);
        extract(
                ImageFolder.open(dir.resolve("set")),
                new ExtractOptions(Task.CLASSIFICATION, 1, tokens, DType.F16, 4, PatchSelection.ALL),
                dir.resolve("out"));
        extract(
                ImageFolder.open(dir.resolve("set")),
                new ExtractOptions(Task.CLASSIFICATION, 0, tokens, DType.F16, 4, PatchSelection.ALL),
                dir.resolve("block0"));
        Path folder = dir.resolve("out/k/train"), odd = folder.resolve("shard-00001.safetensors");
        byte[] original = Files.readAllBytes(odd);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("out/q/train/shard-00001.safetensors", "token type 'q' (first shard: 'k')");
        cases.put("block0/k/train/shard-00001.safetensors", "block 0 (first shard: 1)");
        cases.put("out/k/test/shard-00001.safetensors", "split 'test' (first shard: 'train')");
        cases.put("out/k/train/shard-00000.safetensors", "lists images 0 to 3; image 4 comes next");
        for (var c : cases.entrySet()) {
            Files.copy(dir.resolve(c.getKey()), odd, StandardCopyOption.REPLACE_EXISTING);
            var e = assertThrows(RuntimeException.class, () -> ExtractedFeatures.load(folder), c.getKey());
            assertTrue(e.getMessage().startsWith(odd + ": ") && e.getMessage().contains(c.getValue()), e.getMessage());
        }
        Files.write(odd, original);
        assertEquals(15, ExtractedFeatures.load(folder).size());
    }
}
