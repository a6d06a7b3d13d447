package vitprobe.probe.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import vitprobe.engine.extract.Concepts;
import vitprobe.engine.extract.Sample;

/**
 * An image classification set laid out as {@code root/<class>/<image>} (one split, "all"), or as
 * {@code root/<split>/<class>/<image>} when every folder of root is one of train, val and test. Classes are the
 * sorted class folder names of all splits together, so every split has the same label columns; images are the
 * files of a class folder in name order, of any extension (images are decoded by content). Hidden files are ignored.
 * A folder without any image, and class names that differ only by case, are refused.
 */
public final class ImageFolder extends SplitSource<ImageFolder.Item> {
    static final List<String> SPLIT_NAMES = List.of("train", "val", "test");

    private final Concepts concepts;

    private ImageFolder(Path root) throws IOException {
        super(root);
        List<Path> top = folders(root);
        boolean splitLayout = !top.isEmpty() && top.stream().allMatch(d -> SPLIT_NAMES.contains(name(d)));
        Map<String, Path> splitRoots = new LinkedHashMap<>();
        if (splitLayout) {
            for (String s : SPLIT_NAMES) if (Files.isDirectory(root.resolve(s))) splitRoots.put(s, root.resolve(s));
        } else {
            splitRoots.put("all", root);
        }
        TreeSet<String> classes = new TreeSet<>();
        for (Path r : splitRoots.values()) for (Path c : folders(r)) classes.add(name(c));
        if (classes.isEmpty()) throw new NoImages(root + ": no class folders (expected " + root + "/<class>/<image>)");
        refuseCaseTwins(root, classes);
        List<String> names = List.copyOf(classes);
        concepts = Concepts.classes(names);
        for (var e : splitRoots.entrySet()) {
            List<Item> items = new ArrayList<>();
            for (Path classDir : folders(e.getValue())) {
                int label = names.indexOf(name(classDir));
                for (Path f : files(classDir))
                    items.add(new Item(root.relativize(f).toString(), f, label, names.size()));
            }
            splits.put(e.getKey(), items);
        }
        if (splits.values().stream().allMatch(List::isEmpty))
            throw new NoImages(root + ": no images: its class folders hold no files (expected " + root
                    + (splitLayout ? "/<split>" : "") + "/<class>/<image>)");
    }

    /** A folder without images: no class folders, or no file in any of them. */
    static final class NoImages extends IllegalArgumentException {
        NoImages(String message) {
            super(message);
        }
    }

    /**
     * Class names that differ only by case would be two concepts whose results and file names (keyed by name)
     * collide on a case-insensitive file system and read as one class to a person: refused.
     */
    private static void refuseCaseTwins(Path root, TreeSet<String> classes) {
        Map<String, String> byLowerCase = new HashMap<>();
        for (String c : classes) {
            String twin = byLowerCase.putIfAbsent(c.toLowerCase(Locale.ROOT), c);
            if (twin != null)
                throw new IllegalArgumentException(root + ": class folders '" + twin + "' and '" + c
                        + "' differ only by case (results and file names are keyed by class name: rename or merge"
                        + " one)");
        }
    }

    public static ImageFolder open(Path root) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + ": not a folder");
        try {
            return new ImageFolder(root);
        } catch (IOException e) {
            throw new IllegalArgumentException(root + ": cannot list (" + e.getMessage() + ")");
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static boolean visible(Path p) {
        return !name(p).startsWith(".");
    }

    private static List<Path> folders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isDirectory(p) && visible(p)).sorted().toList();
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && visible(p)).sorted().toList();
        }
    }

    @Override
    public String description() {
        return "imagefolder " + root.toAbsolutePath().normalize();
    }

    @Override
    public Concepts concepts() {
        return concepts;
    }

    /** One image file with its class. */
    public record Item(String id, Path file, int label, int classes) implements Sample {
        @Override
        public byte[] read() throws IOException {
            return Files.readAllBytes(file);
        }

        @Override
        public byte[] imageLabels() {
            byte[] l = new byte[classes];
            l[label] = 1;
            return l;
        }
    }
}
