package vitprobe.views;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Progress;
import vitprobe.io.Json;
import vitprobe.report.Gallery;
import vitprobe.weights.SafetensorsWriter;

/**
 * The patch tokens of several images in one picture each: the first three principal components of all their patch
 * tokens, fitted jointly (so one colour means one kind of feature in every image), as red, green and blue. Like
 * DINOv2's figures, the background can be removed first by thresholding the first component and fitting again on
 * the patches left.
 *
 * <pre>{@code
 * FeaturePca.Result pca = FeaturePca.compute(vit, "dino-vits8", images, Intermediate.Y_NORM, -1,
 *         new FeaturePca.Background(0.5, false), 8, null);
 * pca.write(Path.of("pca"));
 * }</pre>
 */
public final class FeaturePca {
    /** Components drawn, as red, green and blue. */
    public static final int COMPONENTS = 3;

    /** Pairs of the input picture and its components in a row, wrapping after this many pairs. */
    private static final int PAIRS_PER_ROW = 3;

    private static final float HEATMAP_ALPHA = 0.8f;

    private FeaturePca() {}

    /**
     * Which patches are background: those whose first component, scaled to [0, 1] over the patches of all images
     * (as {@code first-component.png} shows it), is below {@code threshold}, or above it when {@code above}.
     */
    public record Background(double threshold, boolean above) {
        public Background {
            if (!(threshold >= 0 && threshold <= 1))
                throw new IllegalArgumentException("the background threshold must be in [0, 1], got " + threshold);
        }

        boolean isBackground(float firstComponent) {
            return above ? firstComponent > threshold : firstComponent < threshold;
        }

        String rule() {
            return "first component " + (above ? "above " : "below ") + threshold;
        }
    }

    /** A fit and the range of the scores of the patches it was fitted on, which the colours span. */
    public record Fit(PrincipalComponents pca, float[] min, float[] max) {
        static Fit of(float[] data, int rows, int width) {
            PrincipalComponents pca = PrincipalComponents.fit(data, rows, width, COMPONENTS);
            float[][] scores = pca.project(data, rows);
            float[] min = new float[COMPONENTS], max = new float[COMPONENTS];
            for (int c = 0; c < COMPONENTS; c++) {
                min[c] = Float.POSITIVE_INFINITY;
                max[c] = Float.NEGATIVE_INFINITY;
                for (float s : scores[c]) {
                    min[c] = Math.min(min[c], s);
                    max[c] = Math.max(max[c], s);
                }
            }
            return new Fit(pca, min, max);
        }

        /** Each component's scores scaled so that this fit's range becomes [0, 1]; values outside are clamped. */
        float[][] scaled(float[] data, int rows) {
            float[][] scores = pca.project(data, rows);
            for (int c = 0; c < COMPONENTS; c++) {
                float range = max[c] - min[c];
                for (int i = 0; i < rows; i++)
                    scores[c][i] = range > 0 ? Math.clamp((scores[c][i] - min[c]) / range, 0, 1) : 0;
            }
            return scores;
        }
    }

    /**
     * One image's pictures, on its patch grid.
     *
     * @param first      the first component of the fit on every patch, scaled to [0, 1] over all images
     * @param colours    red, green and blue: the components of {@link Result#colours()} scaled to [0, 1], 0 on
     *                   background patches
     * @param foreground which patches were kept; null when the background was not removed
     */
    public record ImageComponents(InputImage image, PatchMap first, List<PatchMap> colours, boolean[] foreground) {}

    /**
     * @param all        the fit on every patch of every image
     * @param foreground the fit on the foreground patches; null when the background was not removed
     */
    public record Result(
            String model,
            Intermediate tokens,
            int block,
            Background background,
            Fit all,
            Fit foreground,
            List<ImageComponents> images) {
        public Result {
            images = List.copyOf(images);
        }

        /** The fit the colours come from. */
        public Fit colours() {
            return foreground != null ? foreground : all;
        }

        /**
         * Writes into {@code folder}, each file atomically: per image {@code NAME-pca.png} (the components as RGB at
         * the picture's size), {@code pca.png} (every picture beside its components), {@code first-component.png}
         * (the first component of the fit on every patch, to choose a background threshold with),
         * {@code pca.safetensors} (the fits, to reuse) and last {@code index.html}.
         */
        public Path write(Path folder) throws IOException {
            List<String> names =
                    InputImage.names(images.stream().map(ImageComponents::image).toList());
            List<Pictures.Tile> pairs = new ArrayList<>(), firsts = new ArrayList<>();
            List<Gallery.Figure> each = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                ImageComponents image = images.get(i);
                InputImage input = image.image();
                String label = input.file().getFileName().toString(), file = names.get(i) + "-pca.png";
                BufferedImage rgb = Pictures.rgb(
                        image.colours().get(0),
                        image.colours().get(1),
                        image.colours().get(2),
                        input.height(),
                        input.width());
                Pictures.writePng(rgb, folder.resolve(file));
                each.add(new Gallery.Figure(file, label, ""));
                pairs.add(new Pictures.Tile(Pictures.of(input.picture()), label));
                pairs.add(new Pictures.Tile(rgb, label, ": components"));
                String kept = image.foreground() == null
                        ? ""
                        : ", " + AttentionMaps.percent(1 - share(image.foreground())) + " background";
                firsts.add(new Pictures.Tile(
                        Pictures.heatmap(input.picture(), image.first(), HEATMAP_ALPHA), label, kept));
            }
            InputImage any = images.getFirst().image();
            firsts.add(new Pictures.Tile(Pictures.viridisKey(any.width(), any.height(), "1", "0"), "colour key"));
            String what = tokens.key() + " of block " + block;
            Pictures.writePng(
                    Pictures.sheet(
                            "Principal components 1, 2, 3 of " + what + " as red, green, blue"
                                    + (background == null ? "" : "; background (" + background.rule() + ") black"),
                            pairs,
                            2 * Math.min(images.size(), PAIRS_PER_ROW)),
                    folder.resolve("pca.png"));
            Pictures.writePng(
                    Pictures.sheet(
                            "First component of " + what + ", fitted on every patch, scaled to [0, 1]",
                            firsts,
                            Math.min(firsts.size(), 5)),
                    folder.resolve("first-component.png"));
            writeTensors(folder.resolve("pca.safetensors"));
            return Gallery.write(folder, "vitprobe pca: " + model, intro(), sections(each));
        }

        private String intro() {
            String intro = "The first three principal components of the " + tokens.key() + " patch tokens of block "
                    + block + " of " + model + ", fitted on the patches of all " + images.size()
                    + " images together, so that a colour means the same features in every image. Each component is"
                    + " scaled to [0, 1] over all images.";
            if (background != null)
                intro += " Background removed: patches whose first component (first-component.png) is "
                        + (background.above() ? "above " : "below ") + background.threshold()
                        + " are black, and the components were fitted again on the others.";
            return intro + " pca.safetensors holds the fits.";
        }

        private List<Gallery.Section> sections(List<Gallery.Figure> each) {
            List<List<String>> rows = new ArrayList<>();
            PrincipalComponents pca = colours().pca();
            String[] channels = {"red", "green", "blue"};
            for (int c = 0; c < COMPONENTS; c++)
                rows.add(List.of(
                        Integer.toString(c + 1),
                        channels[c],
                        String.format(Locale.ROOT, "%.4g", pca.variance()[c]),
                        AttentionMaps.percent(pca.explainedVarianceRatio()[c])));
            return List.of(
                    new Gallery.Section(
                            "Principal components",
                            "",
                            List.of(new Gallery.Figure("pca.png", "Components as RGB", "each picture beside them")),
                            new Gallery.Table(List.of("component", "colour", "variance", "share of variance"), rows)),
                    new Gallery.Section(
                            "First component",
                            "Fitted on every patch and scaled to [0, 1]: where objects and background differ, pick "
                                    + "the background threshold here, and whether the background lies below or "
                                    + "above it.",
                            List.of(new Gallery.Figure("first-component.png", "First component", "")),
                            null),
                    new Gallery.Section("Each image", "", each, null));
        }

        /**
         * {@code mean} [D], {@code components} [3, D], {@code explained_variance} [3], {@code
         * explained_variance_ratio} [3] and {@code score_min} / {@code score_max} [3] (the range mapped to [0, 1])
         * of the fit the colours come from; with the background removed also {@code background_mean} [D], {@code
         * background_component} [D] and {@code background_score_range} [2] of the fit on every patch.
         */
        private void writeTensors(Path file) throws IOException {
            Fit fit = colours();
            PrincipalComponents pca = fit.pca();
            int width = pca.mean().length;
            float[] components = new float[COMPONENTS * width];
            for (int c = 0; c < COMPONENTS; c++) System.arraycopy(pca.components()[c], 0, components, c * width, width);
            SafetensorsWriter writer = new SafetensorsWriter()
                    .addF32("mean", new long[] {width}, pca.mean())
                    .addF32("components", new long[] {COMPONENTS, width}, components)
                    .addF32("explained_variance", new long[] {COMPONENTS}, floats(pca.variance()))
                    .addF32("explained_variance_ratio", new long[] {COMPONENTS}, floats(pca.explainedVarianceRatio()))
                    .addF32("score_min", new long[] {COMPONENTS}, fit.min())
                    .addF32("score_max", new long[] {COMPONENTS}, fit.max());
            if (background != null) {
                writer.addF32("background_mean", new long[] {width}, all.pca().mean())
                        .addF32(
                                "background_component",
                                new long[] {width},
                                all.pca().components()[0])
                        .addF32("background_score_range", new long[] {2}, new float[] {all.min()[0], all.max()[0]})
                        .metadata("background", background.rule());
            }
            writer.metadata("model", model)
                    .metadata("tokens", tokens.key())
                    .metadata("block", Integer.toString(block))
                    .metadata(
                            "images",
                            Json.write(images.stream()
                                    .map(i -> i.image().file().toString())
                                    .toList()))
                    .write(file);
        }
    }

    /**
     * Runs the images through the model up to {@code block} (negative: from the end), fits the components of the
     * {@code tokens} of all their patches and, with a {@code background} (may be null), fits them again on the
     * foreground.
     *
     * @param progress advanced by one per image; may be null
     */
    public static Result compute(
            VisionTransformer vit,
            String model,
            List<InputImage> images,
            Intermediate tokens,
            int block,
            Background background,
            int batch,
            Progress progress) {
        if (!tokens.perToken())
            throw new IllegalArgumentException(tokens.key() + " is not a feature per token; choose another");
        int index = Blocks.resolve(block, vit.config().depth());
        int patch = vit.config().patchSize(), width = tokens.width(vit.config());
        if (width < COMPONENTS) throw new IllegalArgumentException(tokens.key() + " has fewer than 3 values per token");
        List<float[]> perImage = new ArrayList<>(Collections.nCopies(images.size(), null));
        ImageForward.run(vit, images, Capture.of(index, EnumSet.of(tokens)), batch, progress, (i, image, acts) -> {
            FloatTensor t = acts.get(index, tokens); // [1, 1 + patches, width]
            int patches = image.gridRows(patch) * image.gridCols(patch);
            if (t.dim(1) != 1 + patches)
                throw new IllegalStateException(
                        image.file() + ": " + t.dim(1) + " tokens, but the picture makes " + patches + " patches");
            perImage.set(i, Arrays.copyOfRange(t.data(), width, t.data().length)); // without [CLS]
        });
        int rows = 0;
        for (float[] p : perImage) rows += p.length / width;
        float[] data = new float[rows * width];
        int at = 0;
        for (float[] p : perImage) {
            System.arraycopy(p, 0, data, at, p.length);
            at += p.length;
        }
        Fit all = Fit.of(data, rows, width);
        float[][] colours = all.scaled(data, rows);
        float[] first = colours[0];
        Fit foreground = null;
        boolean[] kept = null;
        if (background != null) {
            kept = new boolean[rows];
            int count = 0;
            for (int r = 0; r < rows; r++) if (kept[r] = !background.isBackground(first[r])) count++;
            if (count < 2)
                throw new IllegalArgumentException("the background rule (" + background.rule() + ") leaves " + count
                        + " of " + rows + " patches as foreground; at least 2 are needed to fit components");
            float[] fg = new float[count * width];
            for (int r = 0, f = 0; r < rows; r++)
                if (kept[r]) System.arraycopy(data, r * width, fg, width * f++, width);
            foreground = Fit.of(fg, count, width);
            colours = foreground.scaled(data, rows);
            for (float[] channel : colours) for (int r = 0; r < rows; r++) if (!kept[r]) channel[r] = 0;
        }
        List<ImageComponents> out = new ArrayList<>();
        int from = 0;
        for (InputImage image : images) {
            int gridRows = image.gridRows(patch), gridCols = image.gridCols(patch), to = from + gridRows * gridCols;
            List<PatchMap> rgb = new ArrayList<>();
            for (float[] channel : colours)
                rgb.add(new PatchMap(gridRows, gridCols, Arrays.copyOfRange(channel, from, to)));
            out.add(new ImageComponents(
                    image,
                    new PatchMap(gridRows, gridCols, Arrays.copyOfRange(first, from, to)),
                    rgb,
                    kept == null ? null : Arrays.copyOfRange(kept, from, to)));
            from = to;
        }
        return new Result(model, tokens, index, background, all, foreground, out);
    }

    private static double share(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) if (f) n++;
        return (double) n / flags.length;
    }

    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }
}
