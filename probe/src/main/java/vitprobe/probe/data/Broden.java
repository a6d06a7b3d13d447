package vitprobe.probe.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import vitprobe.engine.extract.Concepts;
import vitprobe.engine.extract.PatchGrid;
import vitprobe.engine.extract.Sample;
import vitprobe.engine.image.ImageDecodeException;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.RgbImage;

/**
 * The Broden data set ({@code broden1_224} / {@code broden1_227}) as a segmentation source.
 * <ul>
 * <li>{@code category.csv}: the categories (column {@code name}); {@code c_<category>.csv}: the global label numbers
 * ({@code number}) of each category with their {@code frequency} in it.</li>
 * <li>{@code label.csv}: {@code number,name,...}, number 0 being "unlabelled".</li>
 * <li>{@code index.csv}: {@code image,split,ih,iw,sh,sw} then one column per category, cells {@code ;}-separated:
 * integers are whole-image labels (scene, texture), other values mask PNGs under {@code images/} whose pixels
 * carry the global label number as R + 256·G (0 = unlabelled). Every mask of a cell is used (an image has one part
 * mask per object), so labels overlap: a patch can take several labels of one category.</li>
 * </ul>
 * Concepts are the labels of the kept categories (the color category is excluded by default), ordered by number;
 * each concept's category is the kept category it is most frequent in. Splits come from the {@code split} column.
 */
public final class Broden extends SplitSource<Broden.Item> {
    public static final Set<String> DEFAULT_EXCLUDED = Set.of("color");

    private final Concepts concepts;
    /** Concept column per global label number; -1 for labels of excluded categories only. */
    private final int[] columnOf;

    private final PatchLabeling labeling;

    private Broden(Path root, Set<String> excluded, PatchLabeling labeling) {
        super(root);
        this.labeling = labeling;
        List<String> categories = readCategories(root, excluded);
        Csv labels = Csv.read(root.resolve("label.csv"));
        int numberColumn = labels.column("number"), nameColumn = labels.column("name");
        Map<Integer, String> names = new LinkedHashMap<>();
        for (int r = 0; r < labels.rows(); r++) names.put(labels.getInt(r, numberColumn), labels.get(r, nameColumn));
        int max = names.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        // For each global label, its kept category with the highest frequency (first in category.csv on ties).
        int[] bestCategory = new int[max + 1];
        double[] bestFrequency = new double[max + 1];
        Arrays.fill(bestCategory, -1);
        List<String> kept =
                categories.stream().filter(c -> !excluded.contains(c)).toList();
        for (int k = 0; k < kept.size(); k++) {
            Path file = root.resolve("c_" + kept.get(k) + ".csv");
            Csv members = Csv.read(file);
            int n = members.column("number"), f = members.column("frequency");
            for (int r = 0; r < members.rows(); r++) {
                int number = members.getInt(r, n);
                if (number == 0) continue;
                if (!names.containsKey(number))
                    throw members.error(members.lineOf(r), "label " + number + " is not in label.csv");
                double frequency = members.getDouble(r, f);
                if (bestCategory[number] < 0 || frequency > bestFrequency[number]) {
                    bestCategory[number] = k;
                    bestFrequency[number] = frequency;
                }
            }
        }
        columnOf = new int[max + 1];
        Arrays.fill(columnOf, -1);
        List<String> conceptNames = new ArrayList<>();
        List<Long> conceptCategories = new ArrayList<>();
        for (int number : new TreeSet<>(names.keySet())) {
            if (number <= 0 || bestCategory[number] < 0) continue;
            columnOf[number] = conceptNames.size();
            conceptNames.add(names.get(number));
            conceptCategories.add((long) bestCategory[number]);
        }
        if (conceptNames.isEmpty())
            throw new IllegalArgumentException(root + ": no labels left after excluding " + excluded);
        concepts = new Concepts(
                conceptNames,
                conceptCategories.stream().mapToLong(Long::longValue).toArray(),
                kept);
        readIndex(categories, excluded, names.keySet());
    }

    /** Opens a Broden folder with the color category excluded and majority patch labels. */
    public static Broden open(Path root) {
        return open(root, DEFAULT_EXCLUDED, PatchLabeling.MAJORITY);
    }

    public static Broden open(Path root, Set<String> excludedCategories, PatchLabeling labeling) {
        if (!Files.isRegularFile(root.resolve("index.csv")))
            throw new IllegalArgumentException(root + ": no index.csv (not a Broden folder)");
        return new Broden(root, Set.copyOf(excludedCategories), labeling);
    }

    private static List<String> readCategories(Path root, Set<String> excluded) {
        Csv csv = Csv.read(root.resolve("category.csv"));
        int name = csv.column("name");
        List<String> categories = new ArrayList<>();
        for (int r = 0; r < csv.rows(); r++) categories.add(csv.get(r, name).trim());
        for (String e : excluded) {
            if (!categories.contains(e))
                throw new IllegalArgumentException(root.resolve("category.csv") + ": no category '" + e
                        + "' to exclude (categories: " + String.join(", ", categories) + ")");
        }
        return categories;
    }

    private void readIndex(List<String> categories, Set<String> excluded, Set<Integer> known) {
        Csv index = Csv.read(root.resolve("index.csv"));
        int image = index.column("image"), split = index.column("split");
        for (String size : List.of("ih", "iw")) index.column(size);
        int maskHeight = index.column("sh"), maskWidth = index.column("sw");
        List<Integer> categoryColumns = new ArrayList<>();
        for (int c = 6; c < index.header().size(); c++) {
            String name = index.header().get(c).trim();
            if (!categories.contains(name))
                throw index.error(1, "column '" + name + "' is not a category of category.csv");
            if (!excluded.contains(name)) categoryColumns.add(c);
        }
        if (index.rows() == 0) throw index.error(1, "no images (only the header row)");
        for (int r = 0; r < index.rows(); r++) {
            Set<Integer> imageLabels = new LinkedHashSet<>();
            List<Path> masks = new ArrayList<>();
            for (int c : categoryColumns) {
                for (String cell : index.get(r, c).split(";")) {
                    String value = cell.trim();
                    if (value.isEmpty()) continue;
                    if (value.chars().allMatch(Character::isDigit)) {
                        int number = Integer.parseInt(value);
                        if (!known.contains(number))
                            throw index.error(index.lineOf(r), "label " + number + " is not in label.csv");
                        if (columnOf[number] >= 0) imageLabels.add(columnOf[number]);
                    } else {
                        masks.add(root.resolve("images").resolve(value));
                    }
                }
            }
            String id = index.get(r, image).trim();
            int sh = masks.isEmpty() ? 0 : index.getInt(r, maskHeight);
            int sw = masks.isEmpty() ? 0 : index.getInt(r, maskWidth);
            if (!masks.isEmpty() && (sh < 1 || sw < 1))
                throw index.error(index.lineOf(r), "mask size sh x sw is " + sh + "x" + sw + ", expected positive");
            Item item = new Item(
                    id,
                    root.resolve("images").resolve(id),
                    imageLabels.stream().mapToInt(Integer::intValue).toArray(),
                    masks,
                    sw,
                    sh,
                    index.lineOf(r));
            splits.computeIfAbsent(index.get(r, split).trim(), s -> new ArrayList<>())
                    .add(item);
        }
    }

    @Override
    public String description() {
        return "broden " + root.toAbsolutePath().normalize();
    }

    @Override
    public Concepts concepts() {
        return concepts;
    }

    /** One row of index.csv: the image, its whole-image concept columns and its mask files. */
    public final class Item implements Sample {
        private final String id;
        private final Path image;
        private final int[] imageColumns;
        private final List<Path> masks;
        /** The mask size index.csv gives (columns sw, sh) and the line that gives it. */
        private final int maskWidth, maskHeight, line;

        Item(String id, Path image, int[] imageColumns, List<Path> masks, int maskWidth, int maskHeight, int line) {
            this.id = id;
            this.image = image;
            this.imageColumns = imageColumns;
            this.masks = List.copyOf(masks);
            this.maskWidth = maskWidth;
            this.maskHeight = maskHeight;
            this.line = line;
        }

        @Override
        public String id() {
            return id;
        }

        public List<Path> masks() {
            return masks;
        }

        @Override
        public byte[] read() throws IOException {
            return Files.readAllBytes(image);
        }

        /** The whole-image labels and every label present in a mask. */
        @Override
        public byte[] imageLabels() {
            int c = concepts.size();
            byte[] out = new byte[c];
            for (int column : imageColumns) out[column] = 1;
            for (Path m : masks) {
                for (int label : decode(m)) if (label != 0 && columnOf[label] >= 0) out[columnOf[label]] = 1;
            }
            return out;
        }

        @Override
        public byte[] patchLabels(PatchGrid grid) {
            int c = concepts.size();
            byte[] out = new byte[grid.patches() * c];
            for (int p = 0; p < grid.patches(); p++) for (int column : imageColumns) out[p * c + column] = 1;
            for (Path m : masks) {
                RgbImage rgb = decodeMask(m);
                labeling.apply(labels(rgb, maskName(m)), rgb.width(), rgb.height(), grid, n -> columnOf[n], out, c);
            }
            return out;
        }

        private int[] decode(Path mask) {
            return labels(decodeMask(mask), maskName(mask));
        }

        /**
         * A mask of another size than index.csv gives would be stretched over the image and label the wrong
         * pixels: it makes the image unusable (skipped, with this reason, by the extraction).
         */
        private RgbImage decodeMask(Path mask) {
            String name = maskName(mask);
            RgbImage rgb;
            try {
                rgb = ImageDecoder.decode(Files.readAllBytes(mask), name);
            } catch (IOException e) {
                throw new ImageDecodeException(
                        name, "cannot read file (" + e.getClass().getSimpleName() + ")", e);
            }
            if (rgb.width() != maskWidth || rgb.height() != maskHeight)
                throw new ImageDecodeException(
                        name,
                        "mask is " + rgb.width() + "x" + rgb.height() + " but index.csv line " + line + " gives "
                                + maskWidth + "x" + maskHeight + " (sw x sh)");
            return rgb;
        }
    }

    /**
     * A mask as its problems name it: relative to the data set's folder, so that the message, which the shards keep,
     * has the same bytes whichever path the data set was opened by (relative here, absolute on Spark's executors).
     */
    private String maskName(Path mask) {
        return root.relativize(mask).toString();
    }

    /** Global label numbers of a mask, R + 256·G per pixel; numbers that label.csv does not know make it unusable. */
    private int[] labels(RgbImage mask, String file) {
        int[] out = new int[mask.width() * mask.height()];
        byte[] rgb = mask.rgb();
        for (int i = 0; i < out.length; i++) {
            int n = (rgb[3 * i] & 0xff) + 256 * (rgb[3 * i + 1] & 0xff);
            if (n >= columnOf.length) throw new ImageDecodeException(file, "mask label " + n + " is not in label.csv");
            out[i] = n;
        }
        return out;
    }
}
