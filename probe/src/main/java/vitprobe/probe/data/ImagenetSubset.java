package vitprobe.probe.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The study's ImageNet subset: for each of the 200 Tiny-ImageNet classes, a seeded random choice of N training
 * images (from {@code train/<wnid>/}) and M test images (from the validation set), written as an
 * {@link ImageFolder} with {@code train/} and {@code test/}. The validation set is read either in class folders
 * ({@code val/<wnid>/}) or flat ({@code val/*.JPEG}) with Kaggle's {@code LOC_val_solution.csv}
 * ({@code ImageId,PredictionString}, the class being the first word of the prediction string); class folders are
 * assumed when {@code val/} holds any folder. Files are chosen by name only; decoding (ImageNet holds CMYK JPEGs
 * and a PNG named .JPEG) happens later, by content.
 */
public final class ImagenetSubset {
    /** The images chosen per split ("train", "test") and class, in class order. */
    public record Choice(Map<String, Map<String, List<Path>>> splits) {}

    private ImagenetSubset() {}

    /** The 200 Tiny-ImageNet class ids in their published order. */
    public static List<String> tinyImagenetWnids() {
        try (InputStream in = ImagenetSubset.class.getResourceAsStream("tiny-imagenet-wnids.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Chooses the subset. {@code valLabels} may be null: then {@code val/<wnid>/} folders are used when present,
     * else {@code LOC_val_solution.csv} is looked for in the ImageNet folder and up to three folders above it.
     */
    public static Choice choose(
            Path imagenet, List<String> wnids, int trainPerClass, int testPerClass, long seed, Path valLabels) {
        if (trainPerClass < 0 || testPerClass < 0)
            throw new IllegalArgumentException("images per class must not be negative");
        Set<String> seen = new HashSet<>();
        for (String wnid : wnids)
            if (!seen.add(wnid)) throw new IllegalArgumentException("class " + wnid + " is listed twice");
        Map<String, List<Path>> val = validation(imagenet, wnids, valLabels);
        Map<String, List<Path>> train = new LinkedHashMap<>(), test = new LinkedHashMap<>();
        for (String wnid : wnids) {
            Path dir = imagenet.resolve("train").resolve(wnid);
            if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": class folder missing");
            train.put(wnid, pick(list(dir), trainPerClass, seed, wnid, "train", dir.toString()));
            test.put(wnid, pick(val.get(wnid), testPerClass, seed, wnid, "test", "validation images of " + wnid));
        }
        Map<String, Map<String, List<Path>>> splits = new LinkedHashMap<>();
        splits.put("train", train);
        splits.put("test", test);
        return new Choice(splits);
    }

    private static Map<String, List<Path>> validation(Path imagenet, List<String> wnids, Path valLabels) {
        Path val = imagenet.resolve("val");
        if (!Files.isDirectory(val)) throw new IllegalArgumentException(val + ": validation folder missing");
        Map<String, List<Path>> byClass = new HashMap<>();
        if (valLabels == null && hasFolders(val)) {
            for (String wnid : wnids) {
                Path dir = val.resolve(wnid);
                if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": class folder missing");
                byClass.put(wnid, list(dir));
            }
            return byClass;
        }
        Path csv = valLabels != null ? valLabels : findSolution(imagenet);
        Csv solution = Csv.read(csv);
        int id = solution.column("ImageId"), prediction = solution.column("PredictionString");
        Map<String, Path> files = new HashMap<>();
        for (Path f : list(val)) {
            String name = f.getFileName().toString();
            files.put(name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name, f);
        }
        for (String wnid : wnids) byClass.put(wnid, new ArrayList<>());
        for (int r = 0; r < solution.rows(); r++) {
            String wnid = solution.get(r, prediction).trim().split("\\s+")[0];
            List<Path> list = byClass.get(wnid);
            if (list == null) continue;
            Path f = files.get(solution.get(r, id).trim());
            if (f == null)
                throw solution.error(solution.lineOf(r), "image " + solution.get(r, id) + " is not in " + val);
            list.add(f);
        }
        byClass.values()
                .forEach(l -> l.sort(Comparator.comparing(p -> p.getFileName().toString())));
        return byClass;
    }

    private static boolean hasFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isDirectory);
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    private static Path findSolution(Path imagenet) {
        Path dir = imagenet.toAbsolutePath().normalize();
        for (int up = 0; up <= 3 && dir != null; up++, dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("LOC_val_solution.csv"))) return dir.resolve("LOC_val_solution.csv");
        }
        throw new IllegalArgumentException(
                imagenet
                        + ": val/ has no class folders and no LOC_val_solution.csv was found here or above; pass it explicitly");
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> Files.isRegularFile(p)
                            && !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList());
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** k files chosen at random (seeded per class and split) from the name-sorted list, returned in name order. */
    private static List<Path> pick(List<Path> files, int k, long seed, String wnid, String split, String where) {
        if (files.size() < k)
            throw new IllegalArgumentException(
                    where + ": " + files.size() + " images, fewer than the " + k + " per class asked for");
        SplittableRandom random = new SplittableRandom(seed ^ (wnid + "/" + split).hashCode() * 0x9E3779B97F4A7C15L);
        Path[] a = files.toArray(Path[]::new);
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(a.length - i);
            Path t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        Path[] chosen = Arrays.copyOf(a, k);
        Arrays.sort(chosen, Comparator.comparing(p -> p.getFileName().toString()));
        return List.of(chosen);
    }

    /**
     * Writes the choice as {@code out/<split>/<wnid>/<file>} (symbolic links to the originals, or copies) plus
     * {@code out/subset.tsv} (split, wnid, source). The tree is built beside {@code out} and renamed into place,
     * so {@code out} appears complete or not at all; it must not exist yet (or be empty).
     */
    public static void write(Choice choice, Path out, boolean copy) throws IOException {
        NewFolder.write(out, tmp -> {
            StringBuilder tsv = new StringBuilder("split\twnid\tsource\n");
            for (var split : choice.splits().entrySet()) {
                for (var cls : split.getValue().entrySet()) {
                    Path dir =
                            Files.createDirectories(tmp.resolve(split.getKey()).resolve(cls.getKey()));
                    for (Path f : cls.getValue()) {
                        Path source = f.toAbsolutePath().normalize();
                        Path dest = dir.resolve(f.getFileName().toString());
                        if (copy) Files.copy(source, dest);
                        else Files.createSymbolicLink(dest, source);
                        tsv.append(split.getKey())
                                .append('\t')
                                .append(cls.getKey())
                                .append('\t')
                                .append(source)
                                .append('\n');
                    }
                }
            }
            Files.writeString(tmp.resolve("subset.tsv"), tsv);
        });
    }
}
