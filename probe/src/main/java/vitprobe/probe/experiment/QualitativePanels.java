package vitprobe.probe.experiment;

import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.PatchGrid;
import vitprobe.engine.extract.Sample;
import vitprobe.engine.extract.SampleSource;
import vitprobe.engine.extract.Task;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.ProbeData;
import vitprobe.probe.Rule;
import vitprobe.probe.data.ExtractedFeatures;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;
import vitprobe.io.AtomicFiles;
import vitprobe.io.JsonRecords;
import vitprobe.results.CellRow;
import vitprobe.results.Level;
import vitprobe.results.QualitativePanel;
import vitprobe.results.QualitativePanel.Kind;
import vitprobe.weights.ViTWeights;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The data of the study's qualitative segmentation figures: for the concepts with the best and the worst mean F1,
 * the test images where the predicted masks overlap the truth best, with the mask each model × rule predicts (at
 * its best token type). Stored features keep only a few patches per image, so the chosen candidate images are
 * run through the model again with every patch kept. Masks are at patch resolution, row-major strings of 0/1.
 * The result is cached in {@code OUT/qualitative/qualitative.json} under the inputs that decide it.
 */
final class QualitativePanels {
    /** One panel column: a model and rule with the token type (and k) whose mean F1 is highest. */
    private record Column(String model, Rule rule, Intermediate token, Integer k, Cell cell, Map<String, Double> conceptF1) {}

    /** What decides the panels: the chosen concepts, the figure's sizes and the result of every column's cell. */
    private record Inputs(List<String> concepts, int images, int candidates, List<Cell.Result> cells) {}

    /** {@code qualitative.json}: the panels with the inputs they were made from. */
    private record Cache(Inputs inputs, List<QualitativePanel> panels) {}

    /** A candidate test image: its picture at the model's input, per model the truth and per column the prediction. */
    private static final class Candidate {
        final Sample sample;
        final int index;
        /** Per model, per chosen concept, the patches labelled with it. */
        final Map<String, BitSet[]> truth = new LinkedHashMap<>();
        final Map<String, Integer> grid = new LinkedHashMap<>();
        /** Per column, per chosen concept, the patches its template fires on. */
        final Map<Column, BitSet[]> predicted = new LinkedHashMap<>();
        RgbImage picture;

        Candidate(Sample sample, int index) {
            this.sample = sample;
            this.index = index;
        }
    }

    private final ExperimentConfig config;
    private final ExperimentRunner.ModelLoader loader;
    private final PrintWriter log;

    QualitativePanels(ExperimentConfig config, ExperimentRunner.ModelLoader loader, PrintWriter log) {
        this.config = config;
        this.loader = loader;
        this.log = log;
    }

    List<QualitativePanel> build(List<Cell> plan, TaskSpec task) throws IOException {
        List<Column> columns = columns(plan);
        Set<String> common = new LinkedHashSet<>(columns.getFirst().conceptF1().keySet());
        columns.forEach(c -> common.retainAll(c.conceptF1().keySet()));
        if (common.isEmpty()) return List.of();
        // Whole-image labels (Broden's textures, scenes) cover every patch: a mask of them shows nothing.
        Set<String> localised = localised(columns.getFirst(), task);
        if (common.stream().anyMatch(localised::contains)) common.retainAll(localised);
        Comparator<String> byMeanF1 = Comparator.comparingDouble(name -> meanF1(columns, name));
        String best = common.stream().max(byMeanF1).orElseThrow(), worst = common.stream().min(byMeanF1).orElseThrow();
        List<String> concepts = best.equals(worst) ? List.of(best) : List.of(best, worst);

        Path folder = config.output().resolve("qualitative");
        List<Cell.Result> cells = new ArrayList<>();
        for (Column c : columns) cells.add(c.cell().stored(config.output()));
        Inputs inputs = new Inputs(concepts, config.qualitativeImages(), config.qualitativeCandidates(), cells);
        Path cache = folder.resolve("qualitative.json");
        if (Files.isRegularFile(cache)) {
            Cache stored = readCache(cache);
            if (stored != null && stored.inputs().equals(inputs)) {
                log.println("qualitative panels: finished earlier, reused");
                return stored.panels();
            }
        }

        SampleSource source = ExperimentRunner.open(task);
        List<String> names = source.concepts().names();
        List<? extends Sample> test = source.samples(task.testSplit());
        Map<String, List<Candidate>> candidates = new LinkedHashMap<>();
        Map<Integer, Candidate> all = new LinkedHashMap<>();
        for (String concept : concepts) {
            int column = names.indexOf(concept);
            List<Candidate> list = new ArrayList<>();
            for (int i = 0; i < test.size() && list.size() < config.qualitativeCandidates(); i++) {
                if (test.get(i).imageLabels()[column] != 0) list.add(all.computeIfAbsent(i, x -> new Candidate(test.get(x), x)));
            }
            candidates.put(concept, list);
        }
        log.printf("qualitative panels: %d test images through the model with every patch%n", all.size());
        for (ModelSpec m : config.models()) {
            List<Column> own = columns.stream().filter(c -> c.model().equals(m.name())).toList();
            if (!own.isEmpty()) predict(m, own, List.copyOf(all.values()), names, concepts);
        }

        List<QualitativePanel> panels = new ArrayList<>();
        for (String concept : concepts) {
            Kind kind = concept.equals(best) ? Kind.BEST : Kind.WORST;
            panels.add(panel(kind, concept, columns, candidates.get(concept)));
        }
        AtomicFiles.writeString(cache, JsonRecords.writePretty(new Cache(inputs, panels)));
        return panels;
    }

    /** The cached panels, or null when the file does not hold them (then they are made again). */
    private static Cache readCache(Path cache) throws IOException {
        try {
            return JsonRecords.read(Files.readString(cache), Cache.class);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Per model and rule the token type (at the largest k) with the highest mean F1, with its per-concept F1. */
    private List<Column> columns(List<Cell> plan) throws IOException {
        Integer headline = config.ks().getLast();
        List<Column> columns = new ArrayList<>();
        for (ModelSpec m : config.models()) {
            for (Rule rule : config.rules()) {
                Column best = null;
                double bestF1 = -1;
                for (Cell c : plan) {
                    if (!c.model().equals(m.name()) || c.task() != Task.SEGMENTATION || c.rule() != rule) continue;
                    if (rule == Rule.COSINE && !c.k().equals(headline)) continue;
                    Map<String, Double> f1 = new LinkedHashMap<>();
                    double mean = Double.NaN;
                    for (CellRow row : c.stored(config.output()).rows()) {
                        double v = row.mean().f1();
                        if (row.level() == Level.CONCEPT) f1.put(row.concept(), v);
                        if (row.level() == Level.ALL) mean = v;
                    }
                    if (mean > bestF1) {
                        bestF1 = mean;
                        best = new Column(m.name(), rule, c.token(), c.k(), c, f1);
                    }
                }
                columns.add(best);
            }
        }
        return columns;
    }

    /** Concepts that label only some of the stored patches of the test images showing them. */
    private Set<String> localised(Column column, TaskSpec task) {
        Path features = config.output().resolve("features").resolve(column.model()).resolve(task.task().key())
                .resolve(column.token().key()).resolve(task.testSplit());
        ProbeData test = ExtractedFeatures.load(features);
        Set<String> out = new LinkedHashSet<>();
        for (int c = 0; c < test.conceptCount(); c++) {
            int samples = Arrays.stream(test.imagesWith(c)).map(g -> test.samplesOf(g).length).sum();
            if (test.positives(c).length < samples) out.add(test.concepts().get(c));
        }
        return out;
    }

    private static double meanF1(List<Column> columns, String concept) {
        return columns.stream().mapToDouble(c -> c.conceptF1().get(concept)).average().orElse(0);
    }

    /** Runs the candidates through one model and records its truth masks and every column's predicted masks. */
    private void predict(ModelSpec m, List<Column> columns, List<Candidate> candidates, List<String> names, List<String> concepts) throws IOException {
        Set<Intermediate> tokens = EnumSet.noneOf(Intermediate.class);
        columns.forEach(c -> tokens.add(c.token()));
        try (ViTWeights w = loader.load(m.reference(), config.seed()); Backend backend = Backends.create(config.device(), config.precision());
             VisionTransformer vit = new VisionTransformer(w, backend)) {
            int block = ExperimentRunner.block(config, w.config());
            ImageTransform transform = Task.SEGMENTATION.transform(w.config());
            int size = transform.crop(), per = 3 * size * size, n = w.config().tokens(), d = w.config().dim(), patches = n - 1;
            List<ConceptTemplates> templates = new ArrayList<>();
            for (Column c : columns) templates.add(ConceptTemplates.load(c.cell().templates(config.output())));
            for (int from = 0; from < candidates.size(); from += config.batch()) {
                List<Candidate> batch = candidates.subList(from, Math.min(candidates.size(), from + config.batch()));
                float[] pixels = new float[batch.size() * per];
                for (int i = 0; i < batch.size(); i++) {
                    Candidate cand = batch.get(i);
                    RgbImage image = ImageDecoder.decode(cand.sample.read(), cand.sample.id());
                    PatchGrid grid = PatchGrid.of(image.width(), image.height(), transform, w.config().patchSize());
                    byte[] labels = cand.sample.patchLabels(grid);
                    BitSet[] truth = new BitSet[concepts.size()];
                    for (int k = 0; k < truth.length; k++) {
                        int col = names.indexOf(concepts.get(k));
                        truth[k] = new BitSet(patches);
                        for (int p = 0; p < patches; p++) if (labels[p * names.size() + col] != 0) truth[k].set(p);
                    }
                    cand.truth.put(m.name(), truth);
                    cand.grid.put(m.name(), grid.side());
                    if (cand.picture == null) cand.picture = transform.resizeAndCrop(image);
                    System.arraycopy(transform.apply(image), 0, pixels, i * per, per);
                }
                Activations acts = vit.forward(new FloatTensor(pixels, batch.size(), 3, size, size), Capture.of(block, tokens));
                for (int ci = 0; ci < columns.size(); ci++) {
                    Column column = columns.get(ci);
                    ConceptTemplates t = templates.get(ci);
                    float[] data = acts.get(block, column.token()).data();
                    for (int i = 0; i < batch.size(); i++) {
                        float[] rows = Arrays.copyOfRange(data, (i * n + 1) * d, (i * n + n) * d);
                        float[] scores = t.scoreBatch(rows, patches);
                        BitSet[] masks = new BitSet[concepts.size()];
                        for (int k = 0; k < masks.length; k++) {
                            int c = t.concepts().indexOf(concepts.get(k));
                            masks[k] = new BitSet(patches);
                            for (int p = 0; p < patches; p++) if (scores[p * t.conceptCount() + c] > t.threshold(c)) masks[k].set(p);
                        }
                        batch.get(i).predicted.put(column, masks);
                    }
                }
            }
        }
    }

    /** The panel of one concept: its best images by mean IoU over the columns, with every mask. */
    private QualitativePanel panel(Kind kind, String concept, List<Column> columns, List<Candidate> candidates)
            throws IOException {
        int slot = kind == Kind.BEST ? 0 : 1; // the position of the concept in the masks
        record Scored(Candidate candidate, double[] iou, double mean) {}
        List<Scored> scored = new ArrayList<>();
        for (Candidate cand : candidates) {
            double[] iou = new double[columns.size()];
            boolean visible = true;
            for (int ci = 0; ci < columns.size(); ci++) {
                Column c = columns.get(ci);
                BitSet truth = cand.truth.get(c.model())[slot], predicted = cand.predicted.get(c)[slot];
                visible &= !truth.isEmpty();
                iou[ci] = iou(truth, predicted);
            }
            // An image whose concept covers no whole patch has no mask to show.
            if (visible) scored.add(new Scored(cand, iou, Arrays.stream(iou).average().orElse(0)));
        }
        scored.sort(Comparator.comparingDouble(Scored::mean).reversed().thenComparingInt(s -> s.candidate().index));
        List<QualitativePanel.Image> images = new ArrayList<>();
        for (Scored s : scored.subList(0, Math.min(config.qualitativeImages(), scored.size()))) {
            Candidate cand = s.candidate();
            String picture = "qualitative/test-" + cand.index + ".png";
            AtomicFiles.write(config.output().resolve(picture), png(cand.picture));
            String first = columns.getFirst().model();
            int side = cand.grid.get(first);
            List<QualitativePanel.Prediction> predictions = new ArrayList<>();
            for (int ci = 0; ci < columns.size(); ci++) {
                Column c = columns.get(ci);
                int g = cand.grid.get(c.model());
                predictions.add(new QualitativePanel.Prediction(c.model(), c.rule().key(), g,
                        bits(cand.predicted.get(c)[slot], g * g), s.iou()[ci]));
            }
            images.add(new QualitativePanel.Image(cand.sample.id(), picture, side,
                    bits(cand.truth.get(first)[slot], side * side), s.mean(), predictions));
        }
        List<QualitativePanel.Column> cols = new ArrayList<>();
        for (Column c : columns) {
            cols.add(new QualitativePanel.Column(c.model(), c.rule().key(), c.token().key(), c.k(),
                    c.conceptF1().get(concept)));
        }
        return new QualitativePanel(kind, concept, meanF1(columns, concept), cols, images);
    }

    private static double iou(BitSet truth, BitSet predicted) {
        BitSet union = (BitSet) truth.clone();
        union.or(predicted);
        BitSet both = (BitSet) truth.clone();
        both.and(predicted);
        return union.isEmpty() ? 0 : (double) both.cardinality() / union.cardinality();
    }

    private static String bits(BitSet b, int n) {
        StringBuilder sb = new StringBuilder(n);
        IntStream.range(0, n).forEach(i -> sb.append(b.get(i) ? '1' : '0'));
        return sb.toString();
    }

    private static byte[] png(RgbImage image) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) out.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(out, "png", bytes);
        return bytes.toByteArray();
    }
}
