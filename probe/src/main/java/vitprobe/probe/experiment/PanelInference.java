package vitprobe.probe.experiment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.PatchGrid;
import vitprobe.engine.extract.Task;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Runs the candidate images through one model with every patch kept (the stored features keep only a few patches
 * per image) and records on each candidate the model's true masks and the masks its columns' templates predict.
 */
final class PanelInference {
    private final VisionTransformer vit;
    private final String model;
    private final List<PanelColumn> columns;
    private final List<String> labelNames, concepts;
    private final int block;
    private final ImageTransform transform;
    private final Set<Intermediate> tokens = EnumSet.noneOf(Intermediate.class);
    private final List<ConceptTemplates> templates = new ArrayList<>();

    private PanelInference(
            ExperimentConfig config,
            VisionTransformer vit,
            String model,
            List<PanelColumn> columns,
            List<String> labelNames,
            List<String> concepts) {
        this.vit = vit;
        this.model = model;
        this.columns = columns;
        this.labelNames = labelNames;
        this.concepts = concepts;
        block = ExperimentRunner.block(config, vit.config());
        transform = Task.SEGMENTATION.transform(vit.config());
        columns.forEach(c -> tokens.add(c.token()));
        for (PanelColumn c : columns)
            templates.add(ConceptTemplates.load(c.cell().templates(config.output())));
    }

    /**
     * Loads the model and runs every candidate through it, in batches of the config's size.
     *
     * @param columns the columns of this model
     * @param labelNames the data set's concept names, which index its labels
     * @param concepts the chosen concepts, in the order of the masks
     */
    static void run(
            ExperimentConfig config,
            ExperimentRunner.ModelLoader loader,
            ModelSpec model,
            List<PanelColumn> columns,
            List<PanelCandidate> candidates,
            List<String> labelNames,
            List<String> concepts)
            throws IOException {
        try (ViTWeights w = loader.load(model.reference(), config.seed());
                Backend backend = Backends.create(config.device(), config.precision());
                VisionTransformer vit = new VisionTransformer(w, backend)) {
            PanelInference inference = new PanelInference(config, vit, model.name(), columns, labelNames, concepts);
            for (int from = 0; from < candidates.size(); from += config.batch()) {
                inference.runBatch(candidates.subList(from, Math.min(candidates.size(), from + config.batch())));
            }
        }
    }

    private void runBatch(List<PanelCandidate> batch) throws IOException {
        int size = transform.crop(), perImage = 3 * size * size;
        float[] pixels = new float[batch.size() * perImage];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(prepare(batch.get(i)), 0, pixels, i * perImage, perImage);
        }
        Activations acts = vit.forward(new FloatTensor(pixels, batch.size(), 3, size, size), Capture.of(block, tokens));
        for (int c = 0; c < columns.size(); c++) {
            predict(
                    columns.get(c),
                    templates.get(c),
                    acts.get(block, columns.get(c).token()).data(),
                    batch);
        }
    }

    /** Decodes a candidate and records its true masks (and its picture, once); returns its model input. */
    private float[] prepare(PanelCandidate candidate) throws IOException {
        RgbImage image = ImageDecoder.decode(candidate.sample.read(), candidate.sample.id());
        PatchGrid grid = PatchGrid.of(
                image.width(), image.height(), transform, vit.config().patchSize());
        byte[] labels = candidate.sample.patchLabels(grid);
        int labelCount = labelNames.size();
        BitSet[] masks = PatchMasks.perConcept(
                concepts, labelNames, vit.config().patches(), (p, label) -> labels[p * labelCount + label] != 0);
        candidate.truth.put(model, new PanelCandidate.Truth(grid.side(), masks));
        if (candidate.picture == null) candidate.picture = transform.resizeAndCrop(image);
        return transform.apply(image);
    }

    /** Records on each image of the batch the patches where one column's templates fire. */
    private void predict(PanelColumn column, ConceptTemplates t, float[] activations, List<PanelCandidate> batch) {
        ViTConfig shape = vit.config();
        int n = shape.tokens(), d = shape.dim();
        for (int i = 0; i < batch.size(); i++) {
            float[] patchRows = Arrays.copyOfRange(activations, (i * n + 1) * d, (i * n + n) * d);
            float[] scores = t.scoreBatch(patchRows, shape.patches());
            BitSet[] masks = PatchMasks.perConcept(
                    concepts,
                    t.concepts(),
                    shape.patches(),
                    (p, concept) -> scores[p * t.conceptCount() + concept] > t.threshold(concept));
            batch.get(i).predicted.put(column, masks);
        }
    }
}
