package vitprobe.views;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;
import vitprobe.io.JsonRecords.OmitNull;
import vitprobe.probe.SampleKind;
import vitprobe.report.Decimals;
import vitprobe.report.Gallery;
import vitprobe.weights.SafetensorsWriter;

/**
 * Writes segmentations into a folder as they come: per image an overlay PNG (patch templates: the masks of the
 * concepts covering the most area, with a legend; [CLS] templates: the picture with the concepts that fire, ranked)
 * and a heat map of the scores of each concept in the overlay; at the end {@value #JSON} (every concept of every
 * image), optionally {@value #SCORES}, and the gallery {@code index.html} last. Every file is written atomically;
 * file names come from the image stems (equal stems get "-2", "-3", ...).
 */
public final class SegmentationWriter {
    public static final String JSON = "segments.json";
    public static final String SCORES = "scores.safetensors";

    private static final float MASK_ALPHA = 0.5f, HEATMAP_ALPHA = 0.65f;

    /**
     * @param top    concepts drawn per image, at most one per colour of {@link Pictures#PALETTE}
     * @param scores whether to write every patch score as {@value #SCORES}
     */
    public record Options(int top, boolean scores) {
        public Options {
            if (top < 1 || top > Pictures.PALETTE.size()) {
                throw new IllegalArgumentException(
                        "top must be 1 to " + Pictures.PALETTE.size() + " (one colour each), got " + top);
            }
        }
    }

    /** {@value #JSON}: what was applied, and per image every concept. */
    public record SegmentsFile(
            String templates,
            String model,
            String tokenType,
            int block,
            String rule,
            SampleKind samples,
            List<ImageSegments> images) {}

    /**
     * One image: its patch grid (1×1 for [CLS] templates), the pictures drawn of it, every concept in the
     * templates' order and, for [CLS] templates, the concepts that fire ranked by how far they pass the threshold.
     */
    public record ImageSegments(
            String image,
            int rows,
            int cols,
            String overlay,
            List<String> heatmaps,
            List<ConceptEntry> concepts,
            @OmitNull List<Fired> fired) {}

    /**
     * @param area      share of the picture inside the concept's mask (patch templates only)
     * @param meanScore the mean of the patch scores; the [CLS] token's score for [CLS] templates
     */
    public record ConceptEntry(
            String concept, boolean fires, @OmitNull Double area, double meanScore, double threshold) {}

    public record Fired(String concept, double score, double threshold, double margin) {}

    private final Path folder;
    private final Segmenter segmenter;
    private final String templates, model;
    private final Options options;
    /** One stem per image (equal stems get "-2", ...), then the names of the files made from them. */
    private final FileNames stems = new FileNames(), names = new FileNames(Gallery.FILE, JSON, SCORES);

    private final List<ImageSegments> images = new ArrayList<>();
    private final List<Gallery.Section> sections = new ArrayList<>();
    private final List<float[]> scores = new ArrayList<>();
    /** Set by {@link #finish()}: its files list the images added before, so none may follow. */
    private boolean finished;

    /**
     * @param templates the templates as the reader should see them named (their file)
     * @param model     the model as the reader should see it named
     */
    public SegmentationWriter(Path folder, Segmenter segmenter, String templates, String model, Options options)
            throws IOException {
        this.folder = Files.createDirectories(folder);
        this.segmenter = segmenter;
        this.templates = templates;
        this.model = model;
        this.options = options;
    }

    /** Draws one image's segmentation into the folder; fails once {@link #finish()} was called. */
    public void add(Segmentation s) {
        if (finished) throw new IllegalStateException(alreadyFinished() + ": no image can be added");
        InputImage image = s.image();
        PatchMap grid = s.concepts().getFirst().scores();
        if (options.scores() && !images.isEmpty()) {
            ImageSegments first = images.getFirst();
            if (first.rows() != grid.rows() || first.cols() != grid.cols()) {
                throw new IllegalArgumentException(image.file() + ": a " + grid.rows() + "x" + grid.cols()
                        + " patch grid where the first image has " + first.rows() + "x" + first.cols() + "; "
                        + SCORES + " holds pictures of one size only");
            }
        }
        String stem = stems.claim(image.stem(), ""),
                title = image.file().getFileName().toString();
        List<ConceptScores> ranked = s.ranked();
        boolean cls = s.kind() == SampleKind.CLS;
        String overlay = names.claim(stem + (cls ? "-concepts" : "-segments"), ".png");
        List<Gallery.Figure> figures = new ArrayList<>();
        List<String> heatmaps = new ArrayList<>();
        if (cls) {
            write(Pictures.withLegend(title, Pictures.of(image.picture()), firedLegend(ranked)), overlay);
            figures.add(new Gallery.Figure(overlay, "Concepts that fire", "ranked by score minus threshold"));
        } else {
            List<ConceptScores> drawn = ranked.stream()
                    .filter(c -> c.area() > 0)
                    .limit(options.top())
                    .toList();
            write(overlay(title, image, drawn), overlay);
            figures.add(new Gallery.Figure(
                    overlay,
                    "Concepts by area",
                    "up to " + options.top() + " of the largest masks, smaller ones on top"));
            for (ConceptScores c : drawn) {
                String file = names.claim(stem + "-score-" + c.concept(), ".png");
                String range = range(c);
                write(
                        Pictures.sheet(
                                title + ": " + c.concept(),
                                List.of(new Pictures.Tile(
                                        Pictures.heatmap(
                                                image.picture(), c.scores().normalized(), HEATMAP_ALPHA),
                                        range)),
                                1),
                        file);
                figures.add(
                        new Gallery.Figure(file, c.concept(), "score " + range + " (viridis: dark low, yellow high)"));
                heatmaps.add(file);
            }
        }
        images.add(new ImageSegments(
                image.file().toString(),
                grid.rows(),
                grid.cols(),
                overlay,
                heatmaps,
                s.concepts().stream().map(c -> entry(c, cls)).toList(),
                cls ? ranked.stream().map(SegmentationWriter::fired).toList() : null));
        sections.add(new Gallery.Section(
                title,
                cls
                        ? ranked.size() + " of " + s.concepts().size() + " concepts fire."
                        : grid.rows() + "×" + grid.cols() + " patches; " + ranked.size() + " of "
                                + s.concepts().size() + " concepts fire on some patch.",
                figures,
                cls ? firedTable(ranked) : areaTable(ranked)));
        if (options.scores()) scores.add(allScores(s));
    }

    /**
     * Writes {@value #JSON}, {@value #SCORES} when asked for, and the gallery last; returns the gallery's path.
     * Once done, neither it nor {@link #add} may be called again; after a failure it may.
     */
    public Path finish() throws IOException {
        if (finished) throw new IllegalStateException(alreadyFinished());
        var t = segmenter.templates();
        AtomicFiles.writeString(
                folder.resolve(JSON),
                JsonRecords.writePretty(new SegmentsFile(
                        templates,
                        model,
                        segmenter.tokenType().key(),
                        segmenter.block(),
                        t.rule().key(),
                        t.tokens(),
                        images)));
        if (options.scores() && !images.isEmpty()) writeScores();
        String kind = t.tokens() == SampleKind.CLS ? "[CLS]" : "patch";
        String intro = templates + " (" + t.rule().key() + ", " + t.conceptCount() + " concepts, " + kind
                + " templates on the " + segmenter.tokenType().key() + " tokens of block " + segmenter.block()
                + ") applied to " + images.size() + " image(s) with " + model + ". "
                + (t.tokens() == SampleKind.CLS
                        ? "Each image lists the concepts whose [CLS] score passes the threshold."
                        : "A mask covers the pixels where a template's score, bilinearly upsampled from the patch "
                                + "grid, passes its threshold.")
                + " " + JSON + " has every concept of every image.";
        Path page = Gallery.write(folder, "Concept segmentation", intro, sections);
        finished = true;
        return page;
    }

    private String alreadyFinished() {
        return "segmentation of " + folder + " already finished";
    }

    /**
     * The picture with the masks of the drawn concepts, smaller ones on top. Each pixel is blended once, with the
     * colour of the topmost mask over it: blending every mask in turn would wash the picture out where they overlap.
     */
    private static BufferedImage overlay(String title, InputImage image, List<ConceptScores> drawn) {
        boolean[] covered = new boolean[image.height() * image.width()];
        Pictures.Mask[] masks = new Pictures.Mask[drawn.size()];
        for (int i = drawn.size() - 1; i >= 0; i--) {
            boolean[] mask = drawn.get(i).mask(image.height(), image.width());
            for (int p = 0; p < mask.length; p++) {
                mask[p] &= !covered[p];
                covered[p] |= mask[p];
            }
            masks[i] = new Pictures.Mask(mask, Pictures.PALETTE.get(i));
        }
        List<Pictures.LegendEntry> legend = new ArrayList<>();
        for (int i = 0; i < drawn.size(); i++) {
            ConceptScores c = drawn.get(i);
            legend.add(new Pictures.LegendEntry(Pictures.PALETTE.get(i), c.concept() + "  " + percent(c.area())));
        }
        if (drawn.isEmpty()) legend.add(new Pictures.LegendEntry(null, "no concept fires"));
        return Pictures.withLegend(title, Pictures.masks(image.picture(), List.of(masks), MASK_ALPHA), legend);
    }

    private List<Pictures.LegendEntry> firedLegend(List<ConceptScores> ranked) {
        List<Pictures.LegendEntry> legend = new ArrayList<>();
        for (int i = 0; i < Math.min(options.top(), ranked.size()); i++) {
            ConceptScores c = ranked.get(i);
            legend.add(new Pictures.LegendEntry(null, (i + 1) + ". " + c.concept() + "  +" + number(c.margin())));
        }
        if (ranked.size() > options.top())
            legend.add(new Pictures.LegendEntry(null, "(" + (ranked.size() - options.top()) + " more)"));
        if (ranked.isEmpty()) legend.add(new Pictures.LegendEntry(null, "no concept fires"));
        return legend;
    }

    private static Gallery.Table areaTable(List<ConceptScores> ranked) {
        return new Gallery.Table(
                List.of("concept", "area", "mean score", "threshold"),
                ranked.stream()
                        .map(c -> List.of(c.concept(), percent(c.area()), number(c.meanScore()), number(c.threshold())))
                        .toList());
    }

    private static Gallery.Table firedTable(List<ConceptScores> ranked) {
        return new Gallery.Table(
                List.of("rank", "concept", "score", "threshold", "score − threshold"),
                IntStream.range(0, ranked.size())
                        .mapToObj(i -> List.of(
                                Integer.toString(i + 1),
                                ranked.get(i).concept(),
                                number(ranked.get(i).meanScore()),
                                number(ranked.get(i).threshold()),
                                number(ranked.get(i).margin())))
                        .toList());
    }

    private static ConceptEntry entry(ConceptScores c, boolean cls) {
        return new ConceptEntry(
                c.concept(), c.fires(), cls ? null : c.area(), decimal(c.meanScore()), decimal(c.threshold()));
    }

    private static Fired fired(ConceptScores c) {
        return new Fired(c.concept(), decimal(c.meanScore()), decimal(c.threshold()), decimal(c.margin()));
    }

    /** Every concept's patch scores of one image, [concepts, rows, cols]. */
    private static float[] allScores(Segmentation s) {
        int per = s.concepts().getFirst().scores().values().length;
        float[] all = new float[s.concepts().size() * per];
        for (int c = 0; c < s.concepts().size(); c++)
            System.arraycopy(s.concepts().get(c).scores().values(), 0, all, c * per, per);
        return all;
    }

    private void writeScores() throws IOException {
        ImageSegments first = images.getFirst();
        int per = scores.getFirst().length;
        float[] all = new float[scores.size() * per];
        for (int i = 0; i < scores.size(); i++) System.arraycopy(scores.get(i), 0, all, i * per, per);
        List<String> concepts =
                first.concepts().stream().map(ConceptEntry::concept).toList();
        new SafetensorsWriter()
                .addF32("scores", new long[] {scores.size(), concepts.size(), first.rows(), first.cols()}, all)
                .metadata("concepts", Json.write(concepts))
                .metadata(
                        "images",
                        Json.write(images.stream().map(ImageSegments::image).toList()))
                .write(folder.resolve(SCORES));
    }

    private void write(BufferedImage picture, String name) {
        Path file = folder.resolve(name);
        try {
            Pictures.writePng(picture, file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** The scores' range and the threshold, short enough for the caption under a picture. */
    private static String range(ConceptScores c) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : c.scores().values()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return Decimals.fixed(min, 2) + " to " + Decimals.fixed(max, 2) + "; threshold "
                + Decimals.fixed(c.threshold(), 2);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * share);
    }

    private static String number(float v) {
        return Decimals.fixed(v, 3);
    }

    /** The float as the shortest decimal that reads back as it, not the binary expansion of its double. */
    private static double decimal(float v) {
        return Double.parseDouble(Float.toString(v));
    }
}
