package vitprobe.probe.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Seeded synthetic data sets for tests, the demo and benchmarks: coloured shapes on textured backgrounds, written
 * in the formats the readers take. The same seed and sizes give the same bytes.
 * <ul>
 * <li>{@link #writeImageFolder}: {@code train/} and {@code test/} with one class per shape and colour
 * ("red-circle", ...), JPEG.</li>
 * <li>{@link #writeBroden}: a Broden-format folder with categories color (per-pixel colour masks), object (the shapes),
 * part (each shape's "rim" and "core", one part mask per shape) and texture (the background pattern, a whole-image
 * label); masks at half the image resolution, as in broden1_224.</li>
 * </ul>
 */
public final class Synthetic {
    static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "white", "black");
    private static final int[][] RGB = {
        {220, 40, 40}, {40, 180, 60}, {40, 70, 220}, {230, 210, 40}, {235, 235, 235}, {25, 25, 25}
    };
    static final List<String> SHAPES = List.of("circle", "square", "triangle");
    /** The most classes an ImageFolder can have: one per colour and shape. */
    public static final int MAX_CLASSES = SHAPES.size() * COLOURS.size();

    static final List<String> PARTS = List.of("rim", "core");
    static final List<String> TEXTURES = List.of("plain", "striped", "checkered", "dotted");
    /** A shape's core is the same shape at this fraction of its size; the rest of it is the rim. */
    private static final double CORE = 0.55;

    private Synthetic() {}

    /** One shape: kind (index into SHAPES), colour, centre (u, v) and half-size r, in fractions of the image. */
    record Shape(int kind, int colour, double u, double v, double r) {
        boolean contains(double x, double y, double scale) {
            double s = r * scale, dx = x - u, dy = y - v;
            return switch (kind) {
                case 0 -> dx * dx + dy * dy < s * s;
                case 1 -> Math.abs(dx) < s && Math.abs(dy) < s;
                default -> dy > -s && dy < s && Math.abs(dx) < (dy + s) / 2;
            };
        }
    }

    /** Shapes drawn in order (later ones on top) over a background colour and texture. */
    record Scene(int background, int texture, List<Shape> shapes) {
        /** The topmost shape at (x, y), or -1. */
        int shapeAt(double x, double y) {
            for (int i = shapes.size() - 1; i >= 0; i--) if (shapes.get(i).contains(x, y, 1)) return i;
            return -1;
        }

        boolean textured(double x, double y) {
            return switch (texture) {
                case 1 -> (int) (y * 12) % 2 == 0;
                case 2 -> ((int) (x * 8) + (int) (y * 8)) % 2 == 0;
                case 3 -> Math.hypot(x * 10 % 1 - 0.5, y * 10 % 1 - 0.5) < 0.25;
                default -> false;
            };
        }

        BufferedImage render(int width, int height, SplittableRandom noise) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int py = 0; py < height; py++) {
                for (int px = 0; px < width; px++) {
                    double x = (px + 0.5) / width, y = (py + 0.5) / height;
                    int s = shapeAt(x, y);
                    int[] base = RGB[s >= 0 ? shapes.get(s).colour : background];
                    double shade = s < 0 && textured(x, y) ? 0.55 : 1;
                    int rgb = 0;
                    for (int c = 0; c < 3; c++) {
                        int v = (int) Math.round(base[c] * shade + noise.nextInt(-12, 13));
                        rgb = rgb << 8 | Math.clamp(v, 0, 255);
                    }
                    image.setRGB(px, py, rgb);
                }
            }
            return image;
        }

        static Scene random(SplittableRandom r, int shapes, int forcedKind, int forcedColour) {
            List<Shape> list = new ArrayList<>();
            int background = r.nextInt(COLOURS.size());
            for (int i = 0; i < shapes; i++) {
                int kind = forcedKind >= 0 ? forcedKind : r.nextInt(SHAPES.size());
                int colour = forcedColour >= 0 ? forcedColour : r.nextInt(COLOURS.size());
                list.add(new Shape(
                        kind,
                        colour,
                        0.25 + 0.5 * r.nextDouble(),
                        0.25 + 0.5 * r.nextDouble(),
                        0.12 + 0.13 * r.nextDouble()));
            }
            int avoid = list.isEmpty() ? -1 : list.getFirst().colour;
            if (background == avoid) background = (background + 1) % COLOURS.size();
            return new Scene(background, r.nextInt(TEXTURES.size()), list);
        }
    }

    /**
     * An ImageFolder with {@code classes} classes (shape × colour, at most 18), {@code train} and {@code test}
     * JPEGs per class of width × height pixels, each one shape of its class on a random background.
     */
    public static void writeImageFolder(Path out, int classes, int train, int test, int width, int height, long seed)
            throws IOException {
        if (classes < 1 || classes > MAX_CLASSES)
            throw new IllegalArgumentException("classes must be 1.." + MAX_CLASSES + ", got " + classes);
        if (train < 0 || test < 0 || width < 8 || height < 8)
            throw new IllegalArgumentException("image counts must be ≥ 0 and sizes ≥ 8");
        SplittableRandom random = new SplittableRandom(seed);
        NewFolder.write(out, tmp -> {
            for (String split : List.of("train", "test")) {
                for (int c = 0; c < classes; c++) {
                    int kind = c % SHAPES.size(), colour = c / SHAPES.size();
                    Path dir = Files.createDirectories(
                            tmp.resolve(split).resolve(COLOURS.get(colour) + "-" + SHAPES.get(kind)));
                    for (int i = 0; i < (split.equals("train") ? train : test); i++) {
                        Scene scene = Scene.random(random, 1, kind, colour);
                        writeJpeg(
                                scene.render(width, height, random),
                                dir.resolve(String.format(Locale.ROOT, "%05d.jpg", i)));
                    }
                }
            }
        });
    }

    /** A Broden-format folder of {@code images} square images of {@code size} pixels; every fourth is in "val". */
    public static void writeBroden(Path out, int images, int size, long seed) throws IOException {
        if (images < 1 || size < 8 || size % 2 != 0)
            throw new IllegalArgumentException("need at least 1 image and an even size ≥ 8");
        new BrodenWriter(images, size, seed).write(out);
    }

    private record Category(String name, List<String> labels) {}

    /** Global label numbers: colours, shapes, parts, textures, in this order from 1. */
    private static final class BrodenWriter {
        static final List<Category> CATEGORIES = List.of(
                new Category("color", COLOURS),
                new Category("object", SHAPES),
                new Category("part", PARTS),
                new Category("texture", TEXTURES));
        final int images, size, maskSize;
        final SplittableRandom random;
        final List<String> names = new ArrayList<>(), categoryOf = new ArrayList<>();
        final long[] frequency;
        final double[] coverage;

        BrodenWriter(int images, int size, long seed) {
            this.images = images;
            this.size = size;
            this.maskSize = size / 2;
            this.random = new SplittableRandom(seed);
            for (Category c : CATEGORIES) {
                for (String l : c.labels()) {
                    names.add(l);
                    categoryOf.add(c.name());
                }
            }
            frequency = new long[names.size() + 1];
            coverage = new double[names.size() + 1];
        }

        int number(String category, int index) {
            return categoryOf.indexOf(category) + index + 1;
        }

        void write(Path out) throws IOException {
            NewFolder.write(out, tmp -> {
                StringBuilder index = new StringBuilder("image,split,ih,iw,sh,sw,color,object,part,texture\n");
                Path dir = Files.createDirectories(tmp.resolve("images").resolve("synth"));
                for (int i = 0; i < images; i++) {
                    String stem = String.format(Locale.ROOT, "synth/img_%05d", i);
                    Scene scene = Scene.random(random, 1 + random.nextInt(2), -1, -1);
                    writeJpeg(
                            scene.render(size, size, random),
                            dir.resolve(Path.of(stem).getFileName() + ".jpg"));
                    List<String> parts = new ArrayList<>();
                    for (int s = 0; s < scene.shapes().size(); s++) {
                        final int shape = s;
                        String file = stem + "_part_" + (s + 1) + ".png";
                        writeMask(
                                scene,
                                (x, y) -> scene.shapeAt(x, y) != shape
                                        ? 0
                                        : number(
                                                "part",
                                                scene.shapes().get(shape).contains(x, y, CORE) ? 1 : 0),
                                tmp.resolve("images").resolve(file));
                        parts.add(file);
                    }
                    writeMask(
                            scene,
                            (x, y) -> {
                                int s = scene.shapeAt(x, y);
                                return number(
                                        "color", s >= 0 ? scene.shapes().get(s).colour() : scene.background());
                            },
                            tmp.resolve("images").resolve(stem + "_color.png"));
                    writeMask(
                            scene,
                            (x, y) -> {
                                int s = scene.shapeAt(x, y);
                                return s < 0
                                        ? 0
                                        : number("object", scene.shapes().get(s).kind());
                            },
                            tmp.resolve("images").resolve(stem + "_object.png"));
                    int texture = number("texture", scene.texture());
                    frequency[texture]++;
                    coverage[texture] += 1;
                    index.append(String.join(
                                    ",",
                                    stem + ".jpg",
                                    i % 4 == 3 ? "val" : "train",
                                    "" + size,
                                    "" + size,
                                    "" + maskSize,
                                    "" + maskSize,
                                    stem + "_color.png",
                                    stem + "_object.png",
                                    String.join(";", parts),
                                    "" + texture))
                            .append('\n');
                }
                Files.writeString(tmp.resolve("index.csv"), index);
                writeLabels(tmp);
            });
        }

        interface Labeller {
            int at(double x, double y);
        }

        /** A mask at half resolution: label numbers as R + 256·G; counts each label's images and pixel share. */
        void writeMask(Scene scene, Labeller labeller, Path file) throws IOException {
            BufferedImage mask = new BufferedImage(maskSize, maskSize, BufferedImage.TYPE_INT_RGB);
            long[] pixels = new long[names.size() + 1];
            for (int y = 0; y < maskSize; y++) {
                for (int x = 0; x < maskSize; x++) {
                    int n = labeller.at((x + 0.5) / maskSize, (y + 0.5) / maskSize);
                    pixels[n]++;
                    mask.setRGB(x, y, (n & 0xff) << 16 | (n >> 8) << 8);
                }
            }
            for (int n = 1; n < pixels.length; n++) {
                if (pixels[n] == 0) continue;
                frequency[n]++;
                coverage[n] += pixels[n] / (double) (maskSize * maskSize);
            }
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(mask, "png", file.toFile())) throw new IOException("no PNG writer");
        }

        void writeLabels(Path tmp) throws IOException {
            StringBuilder labels = new StringBuilder("number,name,category,frequency,coverage,syns\n0,-,-,0,0,\n");
            StringBuilder categories = new StringBuilder("name,first,last,count,frequency\n");
            for (String category : CATEGORIES.stream().map(Category::name).toList()) {
                StringBuilder members = new StringBuilder("code,number,name,frequency,coverage\n");
                int first = number(category, 0),
                        count =
                                (int) categoryOf.stream()
                                        .filter(category::equals)
                                        .count();
                long images = 0;
                for (int k = 0; k < count; k++) {
                    int n = first + k;
                    images += frequency[n];
                    String cov = String.format(Locale.ROOT, "%.4f", frequency[n] == 0 ? 0 : coverage[n] / frequency[n]);
                    labels.append(n)
                            .append(',')
                            .append(names.get(n - 1))
                            .append(',')
                            .append(category)
                            .append('(')
                            .append(frequency[n])
                            .append("),")
                            .append(frequency[n])
                            .append(',')
                            .append(cov)
                            .append(',')
                            .append(names.get(n - 1))
                            .append('\n');
                    members.append(k + 1)
                            .append(',')
                            .append(n)
                            .append(',')
                            .append(names.get(n - 1))
                            .append(',')
                            .append(frequency[n])
                            .append(',')
                            .append(cov)
                            .append('\n');
                }
                categories
                        .append(category)
                        .append(',')
                        .append(first)
                        .append(',')
                        .append(first + count - 1)
                        .append(',')
                        .append(count)
                        .append(',')
                        .append(images)
                        .append('\n');
                Files.writeString(tmp.resolve("c_" + category + ".csv"), members);
            }
            Files.writeString(tmp.resolve("label.csv"), labels);
            Files.writeString(tmp.resolve("category.csv"), categories);
        }
    }

    static void writeJpeg(BufferedImage image, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.9f);
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
