package vitprobe.views;

import java.awt.Color;
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
 * Where the [CLS] token looks: for each head of one block, the [CLS] row of the softmax attention over the patch
 * columns, on the patch grid (DINO's self-attention maps), and the masks that keep a given share of that attention.
 *
 * <pre>{@code
 * AttentionMaps.Result maps = AttentionMaps.compute(vit, InputImage.load(files, transform), -1, 8, null);
 * maps.write(Path.of("attention"), 0.6, "dino-vits8");
 * }</pre>
 */
public final class AttentionMaps {
    /**
     * The picture, each head's map, their mean and a colour key in a row, wrapping after this many square tiles
     * (fewer wide ones: {@link Pictures#columnsFor}).
     */
    private static final int COLUMNS = 5;

    /** Patches outside a mask are darkened this much, so the mask reads the same over any picture. */
    private static final float HEATMAP_ALPHA = 0.6f, DIM_ALPHA = 0.7f;

    private AttentionMaps() {}

    /**
     * One image's maps: {@code heads.get(h).at(row, col)} is the attention probability from the [CLS] token to that
     * patch in head h (the [CLS] token's attention to itself is left out, so a map sums to a little under 1).
     */
    public record ImageAttention(InputImage image, List<PatchMap> heads) {
        public ImageAttention {
            heads = List.copyOf(heads);
        }

        /** The heads' mean. */
        public PatchMap mean() {
            PatchMap first = heads.getFirst();
            float[] sum = new float[first.values().length];
            for (PatchMap head : heads) for (int i = 0; i < sum.length; i++) sum[i] += head.values()[i];
            for (int i = 0; i < sum.length; i++) sum[i] /= heads.size();
            return new PatchMap(first.rows(), first.cols(), sum);
        }

        /** Per head, the patches of {@link #keepMass}. */
        public List<boolean[]> masks(double keep) {
            return heads.stream().map(h -> keepMass(h.values(), keep)).toList();
        }
    }

    /** @param block the 0-based block the maps come from */
    public record Result(String model, int block, List<ImageAttention> images) {
        public Result {
            images = List.copyOf(images);
        }

        /**
         * Writes into {@code folder}, each file atomically: per image {@code NAME-attention.png} (the picture, each
         * head's map and their mean, each scaled to its own range) and {@code NAME-masks.png} (each head's
         * {@link #keepMass} mask), {@code attention.safetensors} with the maps, and last {@code index.html}.
         */
        public Path write(Path folder, double keep) throws IOException {
            checkKeep(keep);
            List<String> names =
                    InputImage.names(images.stream().map(ImageAttention::image).toList());
            List<Gallery.Section> sections = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                ImageAttention maps = images.get(i);
                String name = names.get(i), attention = name + "-attention.png", masks = name + "-masks.png";
                Pictures.writePng(heatmaps(maps), folder.resolve(attention));
                Pictures.writePng(masks(maps, keep), folder.resolve(masks));
                sections.add(new Gallery.Section(
                        maps.image().file().toString(),
                        "",
                        List.of(
                                new Gallery.Figure(attention, "[CLS] attention", "per head and the heads' mean"),
                                new Gallery.Figure(masks, "Masks", percent(keep) + " of each head's attention")),
                        table(maps, keep)));
            }
            writeTensors(folder.resolve("attention.safetensors"));
            return Gallery.write(
                    folder,
                    "vitprobe attention: " + model,
                    "The [CLS] token's attention to each patch in block " + block + " of " + model
                            + ", per head and averaged over the heads; each map is scaled to its own minimum and "
                            + "maximum. A head's mask is the smallest set of patches holding " + percent(keep)
                            + " of that head's [CLS]-to-patch attention (DINO's thresholded attention). "
                            + "attention.safetensors holds the maps.",
                    sections);
        }

        private BufferedImage heatmaps(ImageAttention maps) {
            InputImage image = maps.image();
            List<Pictures.Tile> tiles = new ArrayList<>();
            tiles.add(new Pictures.Tile(Pictures.of(image.picture()), "input"));
            for (int h = 0; h < maps.heads().size(); h++) {
                PatchMap head = maps.heads().get(h);
                tiles.add(new Pictures.Tile(
                        Pictures.heatmap(image.picture(), head.normalized(), HEATMAP_ALPHA),
                        "head " + h + " (max " + String.format(Locale.ROOT, "%.3g", max(head)) + ")"));
            }
            tiles.add(new Pictures.Tile(
                    Pictures.heatmap(image.picture(), maps.mean().normalized(), HEATMAP_ALPHA), "mean of heads"));
            tiles.add(new Pictures.Tile(
                    Pictures.viridisKey(image.width(), image.height(), "most (map's max)", "least (map's min)"),
                    "colour key"));
            return Pictures.sheet(
                    image.file().getFileName() + ": [CLS] attention, block " + block,
                    tiles,
                    Pictures.columnsFor(tiles, COLUMNS));
        }

        private BufferedImage masks(ImageAttention maps, double keep) {
            InputImage image = maps.image();
            PatchMap grid = maps.heads().getFirst();
            List<Pictures.Tile> tiles = new ArrayList<>();
            tiles.add(new Pictures.Tile(Pictures.of(image.picture()), "input"));
            List<boolean[]> masks = maps.masks(keep);
            for (int h = 0; h < masks.size(); h++) {
                boolean[] outside = masks.get(h).clone();
                for (int p = 0; p < outside.length; p++) outside[p] = !outside[p];
                boolean[] pixels =
                        Pictures.patchPixels(outside, grid.rows(), grid.cols(), image.height(), image.width());
                tiles.add(new Pictures.Tile(
                        Pictures.masks(image.picture(), List.of(new Pictures.Mask(pixels, Color.BLACK)), DIM_ALPHA),
                        "head " + h + ": " + count(masks.get(h)) + " patches"));
            }
            return Pictures.sheet(
                    image.file().getFileName() + ": patches holding " + percent(keep)
                            + " of the [CLS] attention (the rest darkened), block " + block,
                    tiles,
                    Pictures.columnsFor(tiles, COLUMNS));
        }

        private static Gallery.Table table(ImageAttention maps, double keep) {
            List<boolean[]> masks = maps.masks(keep);
            List<List<String>> rows = new ArrayList<>();
            for (int h = 0; h < maps.heads().size(); h++) {
                PatchMap head = maps.heads().get(h);
                double sum = 0;
                for (float v : head.values()) sum += v;
                int kept = count(masks.get(h)), all = head.values().length;
                rows.add(List.of(
                        Integer.toString(h),
                        String.format(Locale.ROOT, "%.3f", sum),
                        String.format(Locale.ROOT, "%.4f", max(head)),
                        kept + " of " + all,
                        String.format(Locale.ROOT, "%.2f%%", 100.0 * kept / all))); // fixed, so the column aligns
            }
            return new Gallery.Table(
                    List.of("head", "[CLS] attention on patches", "largest", "mask patches", "share of the image"),
                    rows);
        }

        /**
         * {@code attention} [images, heads, rows, cols] when every image has the same patch grid, else one
         * {@code attention.I} [1, heads, rows, cols] per image; the images' files, in order, in the metadata.
         */
        private void writeTensors(Path file) throws IOException {
            SafetensorsWriter writer = new SafetensorsWriter();
            boolean oneGrid = images.stream()
                            .map(m -> m.heads().getFirst().rows() + "x"
                                    + m.heads().getFirst().cols())
                            .distinct()
                            .count()
                    == 1;
            if (oneGrid) {
                PatchMap grid = images.getFirst().heads().getFirst();
                int heads = images.getFirst().heads().size(), per = grid.values().length;
                float[] data = new float[images.size() * heads * per];
                for (int i = 0; i < images.size(); i++) {
                    for (int h = 0; h < heads; h++) {
                        float[] values = images.get(i).heads().get(h).values();
                        System.arraycopy(values, 0, data, (i * heads + h) * per, per);
                    }
                }
                writer.addF32("attention", new long[] {images.size(), heads, grid.rows(), grid.cols()}, data);
            } else {
                for (int i = 0; i < images.size(); i++) {
                    List<PatchMap> heads = images.get(i).heads();
                    PatchMap grid = heads.getFirst();
                    float[] data = new float[heads.size() * grid.values().length];
                    for (int h = 0; h < heads.size(); h++)
                        System.arraycopy(
                                heads.get(h).values(), 0, data, h * grid.values().length, grid.values().length);
                    writer.addF32("attention." + i, new long[] {1, heads.size(), grid.rows(), grid.cols()}, data);
                }
            }
            writer.metadata("model", model)
                    .metadata("block", Integer.toString(block))
                    .metadata(
                            "images",
                            Json.write(images.stream()
                                    .map(m -> m.image().file().toString())
                                    .toList()))
                    .write(file);
        }
    }

    /**
     * Runs the images through the model up to {@code block} (negative: from the end) and keeps each head's [CLS]
     * row of the attention.
     *
     * @param progress advanced by one per image; may be null
     */
    public static Result compute(
            VisionTransformer vit, String model, List<InputImage> images, int block, int batch, Progress progress) {
        int index = Blocks.resolve(block, vit.config().depth());
        int patch = vit.config().patchSize();
        List<ImageAttention> out = new ArrayList<>(Collections.nCopies(images.size(), null));
        ImageForward.run(
                vit,
                images,
                Capture.of(index, EnumSet.of(Intermediate.ATTN)),
                batch,
                progress,
                (i, image, acts) -> out.set(i, clsAttention(acts.get(index, Intermediate.ATTN), image, patch)));
        return new Result(model, index, out);
    }

    /** Each head's [CLS] row over the patch columns of one image's attention [1, heads, tokens, tokens]. */
    static ImageAttention clsAttention(FloatTensor attention, InputImage image, int patch) {
        int heads = attention.dim(1), tokens = attention.dim(2);
        int rows = image.gridRows(patch), cols = image.gridCols(patch);
        if (tokens != 1 + rows * cols)
            throw new IllegalStateException(image.file() + ": the attention has " + tokens + " tokens, the "
                    + image.width() + "x" + image.height() + " picture makes 1 + " + rows + "x" + cols);
        List<PatchMap> maps = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            int clsRow = h * tokens * tokens; // row 0 of head h; its column 0 is [CLS] itself
            maps.add(new PatchMap(rows, cols, Arrays.copyOfRange(attention.data(), clsRow + 1, clsRow + tokens)));
        }
        return new ImageAttention(image, maps);
    }

    /**
     * DINO's thresholded attention: the smallest set of patches whose share of the map's total reaches {@code keep},
     * taking patches from the most attended down (equal values in patch order). A patch is kept when the patches
     * before it hold less than {@code keep} of the total.
     */
    public static boolean[] keepMass(float[] attention, double keep) {
        checkKeep(keep);
        double total = 0;
        for (float v : attention) total += v;
        Integer[] order = new Integer[attention.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(attention[b], attention[a])); // stable: ties stay in patch order
        boolean[] kept = new boolean[attention.length];
        double before = 0;
        for (int i : order) {
            if (before >= keep * total) break;
            kept[i] = true;
            before += attention[i];
        }
        return kept;
    }

    /** Fails unless {@code keep} is a share of the attention in (0, 1]. */
    public static void checkKeep(double keep) {
        if (!(keep > 0 && keep <= 1))
            throw new IllegalArgumentException("the share of attention to keep must be in (0, 1], got " + keep);
    }

    private static float max(PatchMap map) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : map.values()) max = Math.max(max, v);
        return max;
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) if (f) n++;
        return n;
    }

    /** The share in per cent with at most two decimals and no trailing zeros: "60%", "62.5%". */
    static String percent(double share) {
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.2f", 100 * share))
                        .stripTrailingZeros()
                        .toPlainString()
                + "%";
    }
}
