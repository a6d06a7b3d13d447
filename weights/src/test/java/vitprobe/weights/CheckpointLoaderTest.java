package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vitprobe.weights.SyntheticCheckpoints.shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.CheckpointLoader.CheckpointException;
import vitprobe.weights.CheckpointLoader.Overrides;

/** CheckpointFormat detection, dimensions, config.json, overrides and key checking, on the fixtures and on synthetic files. */
class CheckpointLoaderTest {
    @TempDir
    Path dir;

    // ---- the oracle fixtures ----

    @ParameterizedTest
    @FieldSource("vitprobe.weights.Fixtures#MODELS")
    void loadsFixtureWithTheDimensionsItWasMadeWith(Fixtures.Model m) {
        try (ViTWeights w = CheckpointLoader.load(SharedFixtures.resolve(m.folder()))) {
            ViTConfig c = w.config();
            assertAll(
                    () -> assertEquals(m.format(), c.format()),
                    () -> assertEquals(m.dim(), c.dim(), "dim"),
                    () -> assertEquals(m.depth(), c.depth(), "depth"),
                    () -> assertEquals(m.heads(), c.heads(), "heads"),
                    () -> assertEquals(m.patch(), c.patchSize(), "patch"),
                    () -> assertEquals(224, c.imageSize(), "image"),
                    () -> assertEquals(m.tokens(), c.tokens(), "tokens"),
                    () -> assertEquals(m.mlp(), c.mlpDim(), "mlp"),
                    () -> assertEquals(m.eps(), c.layerNormEps(), "eps"),
                    () -> assertEquals(m.dtype(), w.dtype(), "dtype"),
                    () -> assertEquals(m.depth(), w.blocks().size()),
                    () -> assertEquals(4 + 12 * m.depth() + 2, w.parameters().size()),
                    () -> assertArrayEquals(ViTConfig.imagenetMean(), c.mean()),
                    () -> assertArrayEquals(ViTConfig.imagenetStd(), c.std()),
                    () -> assertEquals("bicubic", c.interpolation()));
        }
    }

    /** Hugging Face's separate query, key and value become timm's qkv: their concatenation along dim 0. */
    @ParameterizedTest
    @ValueSource(strings = {SharedFixtures.HF_VIT, SharedFixtures.HF_VIT_MAE})
    void fusesHuggingFaceQueryKeyValueInOrder(String folder) {
        Path model = SharedFixtures.resolve(folder);
        String prefix = folder.equals(SharedFixtures.HF_VIT_MAE) ? "vit." : "";
        try (ViTWeights w = CheckpointLoader.load(model);
                SafeTensors st = SafeTensors.open(model.resolve("model.safetensors"))) {
            int d = w.config().dim();
            for (int i = 0; i < w.blocks().size(); i++) {
                String attention = prefix + "encoder.layer." + i + ".attention.attention.";
                ViTWeights.Block b = w.blocks().get(i);
                assertArrayEquals(new long[] {3L * d, d}, b.qkvWeight().shape());
                assertArrayEquals(new long[] {3L * d}, b.qkvBias().shape());
                assertArrayEquals(
                        concat(st, attention, "weight"), b.qkvWeight().toFloatArray(), "qkv weight of block " + i);
                assertArrayEquals(concat(st, attention, "bias"), b.qkvBias().toFloatArray(), "qkv bias of block " + i);
            }
        }
    }

    private static float[] concat(SafeTensors st, String attention, String kind) {
        float[] q = st.tensor(attention + "query." + kind).toFloatArray();
        float[] k = st.tensor(attention + "key." + kind).toFloatArray();
        float[] v = st.tensor(attention + "value." + kind).toFloatArray();
        float[] out = new float[q.length + k.length + v.length];
        System.arraycopy(q, 0, out, 0, q.length);
        System.arraycopy(k, 0, out, q.length, k.length);
        System.arraycopy(v, 0, out, q.length + k.length, v.length);
        return out;
    }

    @Test
    void keepsTimmTensorsAsTheyAre() {
        Path model = SharedFixtures.resolve(SharedFixtures.TIMM_MAE);
        try (ViTWeights w = CheckpointLoader.load(model.resolve("model.safetensors"));
                SafeTensors st = SafeTensors.open(model.resolve("model.safetensors"))) {
            assertEquals(12, w.config().heads(), "config.json beside the file is read too");
            assertArrayEquals(
                    st.tensor("blocks.0.attn.qkv.weight").toFloatArray(),
                    w.blocks().getFirst().qkvWeight().toFloatArray());
            assertArrayEquals(
                    st.tensor("pos_embed").toFloatArray(), w.posEmbed().toFloatArray());
        }
    }

    @Test
    void overridesBeatConfigJson() {
        try (ViTWeights w =
                CheckpointLoader.load(SharedFixtures.resolve(SharedFixtures.HF_VIT), new Overrides(2, 1e-5))) {
            assertEquals(2, w.config().heads());
            assertEquals(1e-5, w.config().layerNormEps());
        }
    }

    // ---- synthetic checkpoints: defaults without config.json ----

    @Test
    void timmWithoutConfigInfersDimsAndUsesTimmDefaults() {
        try (ViTWeights w =
                CheckpointLoader.load(SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(128, 2, 4, 3)))) {
            ViTConfig c = w.config();
            assertEquals(CheckpointFormat.TIMM, c.format());
            assertEquals(
                    List.of(128, 2, 2, 4, 12, 10, 512),
                    List.of(c.dim(), c.depth(), c.heads(), c.patchSize(), c.imageSize(), c.tokens(), c.mlpDim()));
            assertEquals(1e-6, c.layerNormEps());
            assertEquals(DType.F32, w.dtype());
        }
    }

    @Test
    void huggingFaceWithoutConfigUsesHuggingFaceDefaults() {
        try (ViTWeights w = CheckpointLoader.load(
                SyntheticCheckpoints.write(dir, SyntheticCheckpoints.huggingFace(128, 1, 4, 2)))) {
            assertEquals(CheckpointFormat.HF_VIT, w.config().format());
            assertEquals(2, w.config().heads(), "dim / 64");
            assertEquals(1e-12, w.config().layerNormEps());
            assertEquals(5, w.config().tokens());
        }
    }

    @Test
    void vitPrefixWithDecoderIsMaeAndDecoderIsIgnored() {
        var keys = SyntheticCheckpoints.prefixed("vit.", SyntheticCheckpoints.huggingFace(64, 1, 4, 2));
        keys.put("decoder.decoder_embed.weight", shape(32, 64));
        keys.put("decoder.mask_token", shape(1, 1, 32));
        keys.put("vit.embeddings.mask_token", shape(1, 1, 64));
        try (ViTWeights w = CheckpointLoader.load(SyntheticCheckpoints.write(dir, keys))) {
            assertEquals(CheckpointFormat.HF_VIT_MAE, w.config().format());
            assertEquals(1e-12, w.config().layerNormEps());
            assertEquals("vit.embeddings.cls_token", w.clsToken().name());
        }
    }

    @Test
    void vitPrefixWithoutDecoderIsViTModelAndPoolerAndClassifierAreIgnored() {
        var keys = SyntheticCheckpoints.prefixed("vit.", SyntheticCheckpoints.huggingFace(64, 1, 4, 2));
        keys.put("vit.pooler.dense.weight", shape(64, 64));
        keys.put("vit.pooler.dense.bias", shape(64));
        keys.put("classifier.weight", shape(10, 64));
        try (ViTWeights w = CheckpointLoader.load(SyntheticCheckpoints.write(dir, keys))) {
            assertEquals(CheckpointFormat.HF_VIT, w.config().format());
        }
    }

    @Test
    void configModelTypeVitMaeSelectsMaeLayout() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.huggingFace(64, 1, 4, 2));
        SyntheticCheckpoints.config(dir, Map.of("model_type", "vit_mae"));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(CheckpointFormat.HF_VIT_MAE, w.config().format());
        }
    }

    @Test
    void modelPrefixIsAcceptedAndMaeExtrasIgnored() {
        var keys = SyntheticCheckpoints.prefixed("model.", SyntheticCheckpoints.timm(64, 1, 4, 2));
        for (String extra : List.of(
                "model.mask_token",
                "model.decoder_embed.weight",
                "model.decoder_blocks.0.norm1.weight",
                "model.decoder_pred.bias",
                "model.head.weight",
                "model.head.bias",
                "model.fc_norm.weight",
                "model.fc_norm.bias")) {
            keys.put(extra, shape(4));
        }
        try (ViTWeights w = CheckpointLoader.load(SyntheticCheckpoints.write(dir, keys))) {
            assertEquals(CheckpointFormat.TIMM, w.config().format());
            assertEquals("model.patch_embed.proj.weight", w.patchWeight().name());
            assertEquals(1, w.config().heads());
        }
    }

    @Test
    void timmExtrasWithoutPrefixAreIgnored() {
        var keys = SyntheticCheckpoints.timm(64, 1, 4, 2);
        keys.put("decoder.blocks.0.norm1.weight", shape(4));
        keys.put("head.weight", shape(10, 64));
        keys.put("mask_token", shape(1, 1, 64));
        try (ViTWeights w = CheckpointLoader.load(SyntheticCheckpoints.write(dir, keys))) {
            assertEquals(CheckpointFormat.TIMM, w.config().format());
        }
    }

    // ---- config.json and overrides ----

    @Test
    void readsTimmConfig() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(128, 1, 4, 2));
        SyntheticCheckpoints.config(
                dir,
                Map.of(
                        "architecture",
                        "vit_custom_patch4",
                        "model_args",
                        Map.of("num_heads", 8, "depth", 1),
                        "pretrained_cfg",
                        Map.of(
                                "mean",
                                List.of(0.5, 0.5, 0.5),
                                "std",
                                List.of(0.25, 0.25, 0.25),
                                "interpolation",
                                "bilinear")));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(8, w.config().heads());
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, w.config().mean());
            assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, w.config().std());
            assertEquals("bilinear", w.config().interpolation());
            assertEquals(1e-6, w.config().layerNormEps());
        }
    }

    @Test
    void timmArchitectureNameGivesHeadsWhenModelArgsDoNot() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(96, 1, 4, 2));
        SyntheticCheckpoints.config(
                dir, Map.of("architecture", "vit_small_patch4_8", "model_args", Map.of("embed_dim", 96)));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(6, w.config().heads(), "ViT-S has 6 heads whatever dim / 64 says");
        }
    }

    @Test
    void readsHuggingFaceConfigAndOverridesWin() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.huggingFace(128, 1, 4, 2));
        SyntheticCheckpoints.config(
                dir, Map.of("model_type", "vit", "hidden_size", 128, "num_attention_heads", 8, "layer_norm_eps", 1e-5));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(8, w.config().heads());
            assertEquals(1e-5, w.config().layerNormEps());
        }
        try (ViTWeights w = CheckpointLoader.load(dir, new Overrides(4, null))) {
            assertEquals(4, w.config().heads());
            assertEquals(1e-5, w.config().layerNormEps(), "eps not overridden keeps config.json's");
        }
        try (ViTWeights w = CheckpointLoader.load(dir, new Overrides(null, 1e-3))) {
            assertEquals(8, w.config().heads());
            assertEquals(1e-3, w.config().layerNormEps());
        }
    }

    @Test
    void huggingFaceConfigThatContradictsTheWeightsIsAnError() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.huggingFace(128, 1, 4, 2));
        SyntheticCheckpoints.config(dir, Map.of("model_type", "vit", "hidden_size", 256, "num_attention_heads", 8));
        assertMessage(() -> CheckpointLoader.load(dir), "config.json", "hidden_size is 256", "have 128");
        SyntheticCheckpoints.config(dir, Map.of("model_type", "vit", "hidden_size", 128, "patch_size", 16));
        assertMessage(() -> CheckpointLoader.load(dir), "patch_size is 16", "have 4");
    }

    @Test
    void overridesApplyWithoutConfig() {
        try (ViTWeights w = CheckpointLoader.load(
                SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(128, 1, 4, 2)), new Overrides(4, 1e-5))) {
            assertEquals(4, w.config().heads());
            assertEquals(1e-5, w.config().layerNormEps());
        }
    }

    @Test
    void headsThatDoNotDivideDimAreAnError() {
        Path model = SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(128, 1, 4, 2));
        assertMessage(
                () -> CheckpointLoader.load(model, new Overrides(3, null)),
                "--heads must be a positive divisor of the embedding dimension 128, got 3");
    }

    @Test
    void unreadableConfigIsAnError() throws IOException {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2));
        Files.writeString(dir.resolve("config.json"), "{\"architecture\": ");
        assertMessage(
                () -> CheckpointLoader.load(dir), dir.resolve("config.json").toString(), "invalid JSON");
    }

    // ---- config.json that contradicts the weights, or asks for what the engine does not compute ----

    /** The tester's repro: a ViT-B architecture name on the ViT-S/8 fixture gave 12 heads of 32 on D = 384. */
    @Test
    void timmArchitectureWhoseEmbeddingDimensionDiffersFromTheWeightsIsAnError() throws IOException {
        Path fixture = SharedFixtures.resolve(SharedFixtures.TIMM_DINO);
        Files.copy(fixture.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(fixture.resolve("config.json"))
                .replace("\"vit_small_patch8_224\"", "\"vit_base_patch16_224\"");
        Files.writeString(dir.resolve("config.json"), config);
        assertMessage(
                () -> CheckpointLoader.load(dir),
                dir.resolve("config.json") + ": architecture 'vit_base_patch16_224' has embedding dimension 768 "
                        + "but the weights in model.safetensors have 384");
        // With the embedding dimension right, the patch size the name states must agree too.
        Files.writeString(dir.resolve("config.json"), config.replace("vit_base_patch16_224", "vit_small_patch16_224"));
        assertMessage(
                () -> CheckpointLoader.load(dir),
                "config.json: architecture 'vit_small_patch16_224' has patch size 16 but the weights in "
                        + "model.safetensors have 8");
    }

    @Test
    void timmModelArgsThatContradictTheWeightsAreAnError() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(128, 2, 4, 2));
        Path config = dir.resolve("config.json");
        for (var wrong : List.of(
                Map.entry(Map.of("depth", 5), "model_args.depth is 5 but the weights in model.safetensors have 2"),
                Map.entry(
                        Map.of("patch_size", 16),
                        "model_args.patch_size is 16 but the weights in model.safetensors have 4"),
                Map.entry(
                        Map.of("patch_size", List.of(16, 16)),
                        "model_args.patch_size is [16,16] but the weights in model.safetensors have 4"),
                Map.entry(
                        Map.of("embed_dim", 256),
                        "model_args.embed_dim is 256 but the weights in model.safetensors have 128"),
                Map.entry(
                        Map.of("num_heads", 3),
                        "model_args.num_heads is 3, not a positive divisor of the embedding dimension 128"),
                Map.entry(
                        Map.of("num_heads", 0),
                        "model_args.num_heads is 0, not a positive divisor of the embedding dimension 128"),
                Map.entry(Map.of("depth", 2.5), "model_args.depth is 2.5, expected an integer"),
                Map.entry(
                        Map.of("mlp_ratio", 2),
                        "model_args.mlp_ratio is 2 (MLP width 256) but the weights in model.safetensors have 512"))) {
            SyntheticCheckpoints.config(dir, Map.of("architecture", "vit_custom", "model_args", wrong.getKey()));
            assertMessage(() -> CheckpointLoader.load(dir), config + ": " + wrong.getValue());
        }
        SyntheticCheckpoints.config(
                dir,
                Map.of(
                        "model_args",
                        Map.of("depth", 2, "patch_size", List.of(4, 4), "embed_dim", 128, "mlp_ratio", 4.0)));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(2, w.config().heads(), "stated dimensions that agree load as before");
        }
    }

    /** model_args override the architecture's own values, as timm merges them; the heads still come from the name. */
    @Test
    void timmModelArgsOverrideTheArchitectureName() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(192, 1, 4, 2));
        SyntheticCheckpoints.config(
                dir,
                Map.of(
                        "architecture",
                        "vit_small_patch16_224",
                        "model_args",
                        Map.of("embed_dim", 192, "patch_size", 4)));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(6, w.config().heads());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "gelu_new", "gelu_pytorch_tanh", "quick_gelu", "GELU"})
    void huggingFaceHiddenActOtherThanExactGeluIsRefused(String act) throws IOException {
        Path fixture = SharedFixtures.resolve(SharedFixtures.HF_VIT);
        Files.copy(fixture.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(
                dir.resolve("config.json"),
                Files.readString(fixture.resolve("config.json"))
                        .replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"" + act + "\""));
        assertMessage(
                () -> CheckpointLoader.load(dir),
                dir.resolve("config.json") + ": hidden_act '" + act + "' is not supported (only exact 'gelu')");
    }

    @Test
    void timmActivationOtherThanExactGeluIsRefused() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2));
        SyntheticCheckpoints.config(dir, Map.of("model_args", Map.of("act_layer", "quick_gelu")));
        assertMessage(
                () -> CheckpointLoader.load(dir),
                dir.resolve("config.json")
                        + ": model_args.act_layer 'quick_gelu' is not supported (only exact 'gelu')");
        // CLIP's QuickGELU variants say so only in their name.
        SyntheticCheckpoints.config(
                dir,
                Map.of(
                        "architecture",
                        "vit_base_patch16_clip_quickgelu_224",
                        "model_args",
                        Map.of("embed_dim", 64, "patch_size", 4, "num_heads", 1)));
        assertMessage(
                () -> CheckpointLoader.load(dir),
                "config.json: architecture 'vit_base_patch16_clip_quickgelu_224' uses QuickGELU, not supported "
                        + "(only exact 'gelu')");
        SyntheticCheckpoints.config(dir, Map.of("model_args", Map.of("act_layer", "gelu")));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(1, w.config().heads());
        }
    }

    /** timm's crop_pct is kept to be told (vitprobe crops as DINO and MAE evaluate); a share outside (0, 1] fails. */
    @Test
    void aStatedCropIsKeptAndABadOneRefused() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(null, w.statedCrop());
        }
        SyntheticCheckpoints.config(dir, Map.of("pretrained_cfg", Map.of("crop_pct", 0.9)));
        try (ViTWeights w = CheckpointLoader.load(dir)) {
            assertEquals(0.9, w.statedCrop());
        }
        for (Object bad : List.of(0, 1.5, "0.9")) {
            SyntheticCheckpoints.config(dir, Map.of("pretrained_cfg", Map.of("crop_pct", bad)));
            assertMessage(
                    () -> CheckpointLoader.load(dir),
                    dir.resolve("config.json") + ": pretrained_cfg.crop_pct is " + vitprobe.io.Json.write(bad)
                            + ", expected a number in (0, 1]");
        }
    }

    @Test
    void unsupportedInterpolationIsRefusedWhenTheConfigIsRead() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2));
        for (String bad : List.of("lanczos", "box", "hamming", "random")) {
            SyntheticCheckpoints.config(dir, Map.of("pretrained_cfg", Map.of("interpolation", bad)));
            assertMessage(
                    () -> CheckpointLoader.load(dir),
                    dir.resolve("config.json") + ": interpolation '" + bad
                            + "' is not supported (bicubic, bilinear, nearest)");
        }
        SyntheticCheckpoints.config(dir, Map.of("pretrained_cfg", Map.of("interpolation", 2)));
        assertMessage(() -> CheckpointLoader.load(dir), "config.json: interpolation 2 is not supported");
        for (String good : List.of("bicubic", "bilinear", "nearest", "BILINEAR")) {
            SyntheticCheckpoints.config(dir, Map.of("pretrained_cfg", Map.of("interpolation", good)));
            try (ViTWeights w = CheckpointLoader.load(dir)) {
                assertEquals(good.toLowerCase(java.util.Locale.ROOT), w.config().interpolation());
            }
        }
    }

    @Test
    void meanAndStdMustBeThreeFiniteNumbersAndStdNonZero() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2));
        String config = dir.resolve("config.json").toString();
        for (var wrong : List.of(
                Map.entry("std", List.of(0, 0.2, 0.2)),
                Map.entry("std", List.of(0.2, 0.2)),
                Map.entry("std", List.of(1e39, 0.2, 0.2)),
                Map.entry("mean", List.of(0.5)),
                Map.entry("mean", List.of("a", 0.5, 0.5)),
                Map.entry("mean", 0.5))) {
            SyntheticCheckpoints.config(dir, Map.of("pretrained_cfg", Map.ofEntries(wrong)));
            String what = wrong.getKey().equals("std") ? "3 finite non-zero numbers" : "3 finite numbers";
            assertMessage(
                    () -> CheckpointLoader.load(dir),
                    config + ": pretrained_cfg." + wrong.getKey() + " is " + vitprobe.io.Json.write(wrong.getValue())
                            + ", expected " + what);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -6, 5})
    void badHeadsOverrideBlamesTheFlagNotTheFile(int heads) {
        Path model = SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(384, 1, 4, 2));
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> CheckpointLoader.load(model, new Overrides(heads, null)));
        assertEquals("--heads must be a positive divisor of the embedding dimension 384, got " + heads, e.getMessage());
    }

    @Test
    void huggingFaceHeadsThatDoNotDivideTheDimensionBlameConfigJson() {
        SyntheticCheckpoints.write(dir, SyntheticCheckpoints.huggingFace(64, 1, 4, 2));
        SyntheticCheckpoints.config(dir, Map.of("model_type", "vit", "num_attention_heads", 0));
        assertMessage(
                () -> CheckpointLoader.load(dir),
                dir.resolve("config.json") + ": num_attention_heads is 0, not a positive divisor of the embedding "
                        + "dimension 64 of the weights in model.safetensors");
        try (ViTWeights w = CheckpointLoader.load(dir, new Overrides(4, null))) {
            assertEquals(4, w.config().heads(), "--heads stands in for a wrong num_attention_heads");
        }
    }

    // ---- wrong checkpoints ----

    @Test
    void listsMissingAndUnknownKeys() {
        var keys = SyntheticCheckpoints.timm(64, 2, 4, 2);
        keys.remove("norm.bias");
        keys.remove("blocks.1.mlp.fc2.weight");
        keys.put("blocks.0.attn.extra", shape(3));
        keys.put("zzz_unrelated", shape(1));
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertMessage(
                () -> CheckpointLoader.load(model),
                model.resolve("model.safetensors").toString(),
                "timm / original DINO / MAE format",
                "missing keys: blocks.1.mlp.fc2.weight, norm.bias",
                "unknown keys: blocks.0.attn.extra, zzz_unrelated");
    }

    /** The block count came from the qkv keys, so a block without its qkv made the blocks above it "unknown". */
    @Test
    void aMissingKeyBelowExistingBlocksIsReportedMissing() {
        var keys = SyntheticCheckpoints.timm(64, 3, 4, 2);
        keys.remove("blocks.1.attn.qkv.weight");
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertEquals(
                model.resolve("model.safetensors") + ": does not match the timm / original DINO / MAE format; "
                        + "missing keys: blocks.1.attn.qkv.weight",
                assertThrows(CheckpointException.class, () -> CheckpointLoader.load(model))
                        .getMessage());

        var hf = SyntheticCheckpoints.huggingFace(64, 2, 4, 2);
        hf.remove("encoder.layer.1.attention.attention.query.weight");
        Path other = SyntheticCheckpoints.write(dir.resolve("hf"), hf);
        assertEquals(
                other.resolve("model.safetensors") + ": does not match the transformers ViTModel format; "
                        + "missing keys: encoder.layer.1.attention.attention.query.weight",
                assertThrows(CheckpointException.class, () -> CheckpointLoader.load(other))
                        .getMessage());
    }

    @Test
    void wholeMissingBlocksAreNamedOnceEach() {
        var keys = SyntheticCheckpoints.timm(64, 4, 4, 2);
        keys.keySet().removeIf(k -> k.startsWith("blocks.1.") || k.startsWith("blocks.2."));
        keys.put("blocks.999999999.norm1.weight", shape(64));
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertMessage(
                () -> CheckpointLoader.load(model),
                "missing keys: blocks.1.* to blocks.2.*, blocks.4.* to blocks.999999998.*, blocks.999999999.attn.");

        var many = SyntheticCheckpoints.timm(64, 4, 4, 2);
        many.keySet().removeIf(k -> k.startsWith("blocks.") && !k.endsWith("attn.qkv.weight"));
        Path cut = SyntheticCheckpoints.write(dir.resolve("many"), many);
        assertMessage(
                () -> CheckpointLoader.load(cut),
                "missing keys: blocks.0.attn.proj.bias, ",
                ", blocks.1.norm1.weight, … and 24 more");
    }

    @Test
    void listsMissingHuggingFaceKeysWithTheirPrefix() {
        var keys = SyntheticCheckpoints.prefixed("vit.", SyntheticCheckpoints.huggingFace(64, 1, 4, 2));
        keys.remove("vit.encoder.layer.0.attention.attention.value.bias");
        keys.remove("vit.layernorm.weight");
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertMessage(
                () -> CheckpointLoader.load(model),
                "transformers ViTModel format",
                "missing keys: vit.encoder.layer.0.attention.attention.value.bias, vit.layernorm.weight");
    }

    @Test
    void keysOutsideTheDetectedPrefixAreUnknown() {
        var keys = SyntheticCheckpoints.prefixed("model.", SyntheticCheckpoints.timm(64, 1, 4, 2));
        keys.put("optimizer.step", shape(1));
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertMessage(() -> CheckpointLoader.load(model), "unknown keys: optimizer.step");
    }

    @Test
    void namesTheTensorWithTheWrongShape() {
        var keys = SyntheticCheckpoints.timm(64, 2, 4, 2);
        keys.put("blocks.1.mlp.fc2.bias", shape(65));
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertMessage(() -> CheckpointLoader.load(model), "blocks.1.mlp.fc2.bias has shape [65], expected [64]");
    }

    @Test
    void namesTheHuggingFaceTensorWithTheWrongShape() {
        var keys = SyntheticCheckpoints.huggingFace(64, 1, 4, 2);
        keys.put("encoder.layer.0.attention.attention.key.weight", shape(64, 65));
        Path model = SyntheticCheckpoints.write(dir, keys);
        assertMessage(
                () -> CheckpointLoader.load(model),
                "encoder.layer.0.attention.attention.key.weight has shape [64, 65]");

        var same = SyntheticCheckpoints.huggingFace(64, 1, 4, 2);
        for (String part : List.of("query", "key", "value"))
            same.put("encoder.layer.0.attention.attention." + part + ".bias", shape(32));
        Path other = SyntheticCheckpoints.write(dir.resolve("same"), same);
        assertMessage(
                () -> CheckpointLoader.load(other),
                "has shape [96], expected [192]",
                "fused from encoder.layer.0.attention.attention.query.bias");
    }

    @Test
    void everyPartOfAFusedParameterMustHaveAFloatType() {
        String layer = "encoder.layer.0.attention.attention.";
        for (var wrong : List.of(
                Map.entry(layer + "key.weight", DType.I32),
                Map.entry(layer + "value.weight", DType.U32),
                Map.entry(layer + "value.bias", DType.I16))) {
            Path model = SyntheticCheckpoints.write(
                    dir.resolve(wrong.getValue().name()),
                    SyntheticCheckpoints.huggingFace(64, 1, 4, 2),
                    Map.ofEntries(wrong),
                    Map.of());
            assertMessage(
                    () -> CheckpointLoader.load(model),
                    wrong.getKey() + " has dtype " + wrong.getValue(),
                    "expected a float type");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "BF16", "F64"})
    void nonFiniteWeightsAreRefusedNamingTheTensor(String dtype) {
        String value = "encoder.layer.0.attention.attention.value.weight";
        // The last element, past any whole vector of the scan; the first of another tensor; an F64 beyond float range.
        List<Map.Entry<String, double[]>> cases = List.of(
                Map.entry(value, new double[] {64 * 64 - 1, Double.NaN}),
                Map.entry("layernorm.bias", new double[] {0, Double.NEGATIVE_INFINITY}),
                Map.entry("encoder.layer.0.intermediate.dense.weight", new double[] {1000, Double.POSITIVE_INFINITY}));
        for (var poisoned : cases) {
            Map<String, DType> dtypes = Map.of(poisoned.getKey(), DType.valueOf(dtype));
            Path model = SyntheticCheckpoints.write(
                    dir.resolve(dtype + poisoned.getKey()),
                    SyntheticCheckpoints.huggingFace(64, 1, 4, 2),
                    dtypes,
                    Map.ofEntries(poisoned));
            assertMessage(
                    () -> CheckpointLoader.load(model),
                    model.resolve("model.safetensors").toString(),
                    "tensor '" + poisoned.getKey() + "'",
                    "element " + (long) poisoned.getValue()[0],
                    String.valueOf((float) poisoned.getValue()[1]));
        }
        if (dtype.equals("F64")) {
            Path huge = SyntheticCheckpoints.write(
                    dir.resolve("huge"),
                    SyntheticCheckpoints.huggingFace(64, 1, 4, 2),
                    Map.of("layernorm.weight", DType.F64),
                    Map.of("layernorm.weight", new double[] {5, 1e300}));
            assertMessage(() -> CheckpointLoader.load(huge), "tensor 'layernorm.weight'", "element 5");
        } else {
            Path fine = SyntheticCheckpoints.write(
                    dir.resolve("fine"),
                    SyntheticCheckpoints.huggingFace(64, 1, 4, 2),
                    Map.of(value, DType.valueOf(dtype)),
                    Map.of(value, new double[] {7, 65504}));
            try (ViTWeights w = CheckpointLoader.load(fine)) {
                assertEquals(65504f, w.blocks().getFirst().qkvWeight().toFloatArray()[2 * 64 * 64 + 7], 1000f);
            }
        }
    }

    @Test
    void layerNormEpsMustBePositiveAndFinite() {
        Path model = SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2));
        for (double eps : new double[] {Double.NaN, 0, -1e-6, Double.POSITIVE_INFINITY}) {
            String file = model.resolve("model.safetensors").toString();
            assertMessage(
                    () -> CheckpointLoader.load(model, new Overrides(null, eps)),
                    file,
                    "LayerNorm epsilon " + eps + " is not a positive finite number");
        }
        Path hf = SyntheticCheckpoints.write(dir.resolve("hf"), SyntheticCheckpoints.huggingFace(64, 1, 4, 2));
        SyntheticCheckpoints.config(hf, Map.of("layer_norm_eps", 0L));
        assertMessage(() -> CheckpointLoader.load(hf), "LayerNorm epsilon 0.0 is not a positive finite number");
    }

    @Test
    void namesPositionEmbeddingOfTheWrongRankOrSize() {
        var keys = SyntheticCheckpoints.timm(64, 1, 4, 2);
        keys.put("pos_embed", shape(5 * 64));
        assertMessage(() -> CheckpointLoader.load(SyntheticCheckpoints.write(dir, keys)), "pos_embed has shape [320]");

        keys.put("pos_embed", shape(1, 6, 64));
        Path other = SyntheticCheckpoints.write(dir.resolve("size"), keys);
        assertMessage(() -> CheckpointLoader.load(other), "pos_embed has 6 tokens");
    }

    @Test
    void rejectsFilesThatAreNoViT() {
        Path model = SyntheticCheckpoints.write(dir, Map.of("linear.weight", shape(2, 2)));
        assertMessage(() -> CheckpointLoader.load(model), "not a ViT checkpoint");
        assertMessage(() -> CheckpointLoader.load(dir.resolve("absent")), "no such file or folder");
        Path empty = dir.resolve("empty-folder");
        assertMessage(() -> CheckpointLoader.load(createDirectory(empty)), "has no model.safetensors");
    }

    @Test
    void closingTheWeightsReleasesTheMapping() {
        ViTWeights w = CheckpointLoader.load(SyntheticCheckpoints.write(dir, SyntheticCheckpoints.timm(64, 1, 4, 2)));
        Param norm = w.normWeight();
        assertEquals(64, norm.toFloatArray().length);
        w.close();
        assertThrows(IllegalStateException.class, norm::toFloatArray);
    }

    private static Path createDirectory(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The call must fail with a CheckpointException whose message contains every fragment. */
    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, call);
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (String f : fragments)
            checks.add(() -> assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage()));
        assertAll(checks);
    }
}
