package vitprobe.probe.experiment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.TokenGrid;
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
        transform = Task.SEGMENTATION.transform(vit.config(), config.input());
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
                VisionTransformer vit = ExperimentRunner.open(config, w, backend)) {
            PanelInference inference = new PanelInference(config, vit, model.name(), columns, labelNames, concepts);
            for (int from = 0; from < candidates.size(); from += config.batch()) {
                inference.runBatch(candidates.subList(from, Math.min(candidates.size(), from + config.batch())));
            }
        }
    }

    /** One forward pass per input size in the batch (sizes differ only when images keep their aspect ratio). */
    private void runBatch(List<PanelCandidate> batch) throws IOException {
        Map<TokenGrid, List<Integer>> bySize = new LinkedHashMap<>();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            PanelCandidate candidate = batch.get(i);
            inputs.add(prepare(candidate));
            bySize.computeIfAbsent(candidate.truth.get(model).grid(), g -> new ArrayList<>())
                    .add(i);
        }
        int patch = vit.config().patchSize();
        for (var e : bySize.entrySet()) {
            TokenGrid grid = e.getKey();
            List<Integer> members = e.getValue();
            int height = grid.rows() * patch, width = grid.columns() * patch, perImage = 3 * height * width;
            float[] pixels = new float[members.size() * perImage];
            for (int j = 0; j < members.size(); j++) {
                System.arraycopy(inputs.get(members.get(j)), 0, pixels, j * perImage, perImage);
            }
            Activations acts =
                    vit.forward(new FloatTensor(pixels, members.size(), 3, height, width), Capture.of(block, tokens));
            List<PanelCandidate> group = members.stream().map(batch::get).toList();
            for (int c = 0; c < columns.size(); c++) {
                predict(
                        columns.get(c),
                        templates.get(c),
                        acts.get(block, columns.get(c).token()).data(),
                        grid,
                        group);
            }
        }
    }

    /** Decodes a candidate and records its true masks (and its picture, once); returns its model input. */
    private float[] prepare(PanelCandidate candidate) throws IOException {
        RgbImage image = ImageDecoder.decode(candidate.sample.read(), candidate.sample.id());
        String source = candidate.sample.id();
        PatchGrid grid = PatchGrid.of(
                image.width(), image.height(), transform, vit.config().patchSize(), source);
        byte[] labels = candidate.sample.patchLabels(grid);
        int labelCount = labelNames.size();
        BitSet[] masks = PatchMasks.perConcept(
                concepts, labelNames, grid.patches(), (p, label) -> labels[p * labelCount + label] != 0);
        candidate.truth.put(model, new PanelCandidate.Truth(grid.tokens(), masks));
        if (candidate.picture == null) candidate.picture = transform.resizeAndCrop(image, source);
        return transform.apply(image, source);
    }

    /** Records on each image of a batch of one grid the patches where one column's templates fire. */
    private void predict(
            PanelColumn column, ConceptTemplates t, float[] activations, TokenGrid grid, List<PanelCandidate> batch) {
        int n = grid.tokens(), d = vit.config().dim(), patches = grid.patches();
        for (int i = 0; i < batch.size(); i++) {
            float[] patchRows = Arrays.copyOfRange(activations, (i * n + 1) * d, (i * n + n) * d);
            float[] scores = t.scoreBatch(patchRows, patches);
            BitSet[] masks = PatchMasks.perConcept(
                    concepts,
                    t.concepts(),
                    patches,
                    (p, concept) -> scores[p * t.conceptCount() + concept] > t.threshold(concept));
            batch.get(i).predicted.put(column, masks);
        }
    }
}
