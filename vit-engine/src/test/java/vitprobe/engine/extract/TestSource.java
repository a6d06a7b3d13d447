package vitprobe.engine.extract;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * A seeded in-memory data set for pipeline tests: PNG images of random sizes, three concepts in two categories.
 * Each image has one class label ("red" or "blue", whole image) and a "spot" label on the patches of its left half.
 * Images named in {@code broken} are not images; reading those in {@code unreadable} fails; every read can be slowed.
 */
record TestSource(Map<String, List<TestSource.Item>> parts, long readDelayMillis) implements SampleSource {
    static final Concepts CONCEPTS =
            new Concepts(List.of("red", "blue", "spot"), new long[] {0, 0, 1}, List.of("colour", "mark"));

    record Item(String id, byte[] bytes, int colour, boolean unreadable, long delay) implements Sample {
        @Override
        public byte[] read() throws IOException {
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (unreadable) throw new IOException(id + ": permission denied");
            return bytes;
        }

        @Override
        public byte[] imageLabels() {
            byte[] l = new byte[3];
            l[colour] = 1;
            return l;
        }

        /** The class on every patch, "spot" on patches whose centre lies in the image's left half. */
        @Override
        public byte[] patchLabels(PatchGrid grid) {
            byte[] out = new byte[grid.patches() * 3];
            for (int p = 0; p < grid.patches(); p++) {
                out[p * 3 + colour] = 1;
                if (grid.center(p)[0] < 0.5) out[p * 3 + 2] = 1;
            }
            return out;
        }
    }

    static TestSource of(
            long seed, int train, int test, List<String> broken, List<String> unreadable, long readDelayMillis) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, List<Item>> parts = new java.util.LinkedHashMap<>();
        for (var split : List.of(Map.entry("train", train), Map.entry("test", test))) {
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < split.getValue(); i++) {
                String id = split.getKey() + "/img" + i + ".png";
                int colour = random.nextInt(2);
                byte[] bytes = broken.contains(id)
                        ? "not an image".getBytes()
                        : png(random, colour, 36 + random.nextInt(20), 36 + random.nextInt(20));
                items.add(new Item(id, bytes, colour, unreadable.contains(id), readDelayMillis));
            }
            parts.put(split.getKey(), items);
        }
        return new TestSource(parts, readDelayMillis);
    }

    static byte[] png(SplittableRandom random, int colour, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int noise = random.nextInt(64);
                image.setRGB(
                        x, y, colour == 0 ? (200 + noise / 2) << 16 | noise << 8 : noise << 16 | (200 + noise / 2));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public String description() {
        return "test source";
    }

    @Override
    public Concepts concepts() {
        return CONCEPTS;
    }

    @Override
    public List<String> splits() {
        return List.copyOf(parts.keySet());
    }

    @Override
    public List<Item> samples(String split) {
        return parts.get(split);
    }
}
