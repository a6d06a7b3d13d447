package vitprobe.views;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Progress;
import vitprobe.engine.extract.Task;
import vitprobe.engine.image.ImageTransform;
import vitprobe.kernels.cpu.Parallel;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.SampleKind;
import vitprobe.weights.ViTConfig;

/**
 * Applies concept templates to new images: runs the model to the block the templates were trained on, takes the
 * intermediate they were trained on (the patch tokens for patch templates, the [CLS] token for [CLS] templates) and
 * scores it with the templates' own scoring, so that every decision is the one the probe makes on the same token.
 */
public final class Segmenter {
    private final VisionTransformer vit;
    private final ConceptTemplates templates;
    private final Intermediate tokenType;
    private final int block;

    /** @param block 0-based, as extract counts blocks */
    public Segmenter(VisionTransformer vit, ConceptTemplates templates, Intermediate tokenType, int block) {
        Objects.requireNonNull(vit, "vit");
        Objects.requireNonNull(templates, "templates");
        Objects.requireNonNull(tokenType, "tokenType");
        requireFits(vit.config(), templates, tokenType, block);
        this.vit = vit;
        this.templates = templates;
        this.tokenType = tokenType;
        this.block = block;
    }

    /** With the token type and block that the templates record for their training features. */
    public static Segmenter of(VisionTransformer vit, ConceptTemplates templates) {
        Objects.requireNonNull(vit, "vit");
        Objects.requireNonNull(templates, "templates");
        return new Segmenter(vit, templates, recordedTokenType(templates), recordedBlock(templates));
    }

    /** The token type the templates' training features were, or an error saying that they do not record it. */
    public static Intermediate recordedTokenType(ConceptTemplates templates) {
        String type = templates.origin().tokenType();
        if (type == null) throw new IllegalArgumentException("the templates do not record their token type");
        return Intermediate.byKey(type);
    }

    /** The block the templates' training features came from, or an error saying that they do not record it. */
    public static int recordedBlock(ConceptTemplates templates) {
        Integer block = templates.origin().block();
        if (block == null) throw new IllegalArgumentException("the templates do not record their block");
        return block;
    }

    /** Fails with the reason when the templates cannot score that intermediate of that model. */
    public static void requireFits(ViTConfig config, ConceptTemplates templates, Intermediate tokenType, int block) {
        if (templates.conceptCount() == 0) throw new IllegalArgumentException("the templates hold no concept");
        if (!tokenType.perToken())
            throw new IllegalArgumentException(tokenType.key() + " is an attention map, not a feature per token");
        if (block < 0 || block >= config.depth()) {
            throw new IllegalArgumentException(
                    "block " + block + " is not a block of the model (0 to " + (config.depth() - 1) + ")");
        }
        int width = tokenType.width(config);
        if (templates.dim() != width) {
            throw new IllegalArgumentException("the templates are " + templates.dim() + " wide but the model's "
                    + tokenType.key() + " tokens are " + width + " wide (templates of another model?)");
        }
    }

    /**
     * The preprocessing the templates' features had, at {@code size}: patch templates come from segmentation
     * extractions (the whole picture resized to cover the input size), [CLS] templates from classification ones
     * (resize, centre crop). Images prepared otherwise are scored on a different crop than the templates learnt.
     */
    public ImageTransform transform(InputResolution size) {
        return transform(templates, vit.config(), size);
    }

    /** {@link #transform(InputResolution)} of templates for a model, before a segmenter is made. */
    public static ImageTransform transform(ConceptTemplates templates, ViTConfig config, InputResolution size) {
        Task task = templates.tokens() == SampleKind.PATCH ? Task.SEGMENTATION : Task.CLASSIFICATION;
        return task.transform(config, size);
    }

    /** {@link #transform(InputResolution)} at the model's own input size. */
    public ImageTransform transform() {
        return transform(InputResolution.NATIVE);
    }

    public ConceptTemplates templates() {
        return templates;
    }

    public Intermediate tokenType() {
        return tokenType;
    }

    public int block() {
        return block;
    }

    /** Segments one image. */
    public Segmentation apply(InputImage image) {
        List<Segmentation> one = new ArrayList<>(1);
        apply(List.of(image), 1, null, one::add);
        return one.getFirst();
    }

    /**
     * Segments the images, {@code batch} at a time, and hands each result on in input order (so that a caller can
     * write them out without holding all of them).
     *
     * @param progress advanced by one per image; may be null
     */
    public void apply(List<InputImage> images, int batch, Progress progress, Consumer<Segmentation> consumer) {
        Capture capture = Capture.of(block, EnumSet.of(tokenType));
        ImageForward.run(
                vit,
                images,
                capture,
                batch,
                progress,
                (i, image, acts) -> consumer.accept(segment(image, acts.get(block, tokenType))));
    }

    /** Scores the tokens of one image, captured [1, 1 + patches, width]. */
    private Segmentation segment(InputImage image, FloatTensor tokens) {
        int patch = vit.config().patchSize();
        boolean cls = templates.tokens() == SampleKind.CLS;
        int rows = cls ? 1 : image.height() / patch, cols = cls ? 1 : image.width() / patch;
        if (tokens.dim(1) != 1 + image.height() / patch * (image.width() / patch)) {
            throw new IllegalStateException(image.file() + ": the model gave " + tokens.dim(1) + " tokens for a "
                    + image.width() + "x" + image.height() + " picture with patches of " + patch);
        }
        int width = tokens.dim(2), samples = rows * cols, count = templates.conceptCount();
        // [CLS] is token 0, the patches follow it row-major, as extract stores them.
        int from = cls ? 0 : width;
        float[] features = Arrays.copyOfRange(tokens.data(), from, from + samples * width);
        float[] scores = templates.scoreBatch(features, samples);
        ConceptScores[] concepts = new ConceptScores[count];
        // Measuring a mask's area upsamples the map to the picture: worth spreading over the cores for many concepts.
        Parallel.forEach(count, c -> {
            float[] map = new float[samples];
            for (int p = 0; p < samples; p++) map[p] = scores[p * count + c];
            concepts[c] = ConceptScores.over(
                    templates.concepts().get(c),
                    templates.threshold(c),
                    new PatchMap(rows, cols, map),
                    image.height(),
                    image.width());
        });
        return new Segmentation(image, templates.tokens(), List.of(concepts));
    }
}
