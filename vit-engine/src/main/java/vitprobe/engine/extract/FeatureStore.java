package vitprobe.engine.extract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import vitprobe.engine.Intermediate;
import vitprobe.io.AtomicFiles;
import vitprobe.io.FolderLock;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;
import vitprobe.weights.DType;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.Tensor;

/**
 * The on-disk layout of an extraction:
 * <pre>
 * DIR/manifest.json                               settings, splits, concepts (written first, checked on resume)
 * DIR/&lt;token type&gt;/&lt;split&gt;/shard-00000.safetensors   one probe file per shard
 * DIR/skipped.tsv                                  images left out: split, image, problem
 * DIR/.vitprobe.lock                               held by the run writing the folder (see {@link FolderLock})
 * </pre>
 * A shard file holds {@code features} [n, D] (F32 or F16), the labels (dense {@code labels} [n, C] U8 or sparse
 * {@code label_offsets} and {@code label_concepts}, whichever is smaller: {@link ConceptLabels}), {@code groups} [n]
 * I64 (the image's index in its split), for patch tokens {@code patches} [n] I64 (row-major index on the token grid), and
 * {@code categories} [C] I64 when the data set has categories; metadata "concepts" and "categories_names" (JSON
 * lists), "tokens" ("cls" or "patch"), "token_type", "block", "model", "split", "images" ([index, id] pairs) and
 * "skipped" ([index, id, problem] triples).
 */
public final class FeatureStore {
    public static final String FORMAT = "vitprobe-features/1";
    public static final String MANIFEST = "manifest.json";
    public static final String REPORT = "skipped.tsv";
    /** The manifest's fingerprint of the weights file (see {@link WeightsFingerprint}). */
    static final String WEIGHTS = "weights";

    private FeatureStore() {}

    public static Path shardFile(Path out, Intermediate token, String split, int index) {
        return out.resolve(token.key()).resolve(split).resolve(shardName(index));
    }

    static String shardName(int index) {
        return String.format("shard-%05d.safetensors", index);
    }

    /**
     * Makes {@code out} an extraction folder for this manifest: writes it, with the fingerprint of the weights file
     * (null for generated weights), into a new or empty folder; accepts a folder holding the same manifest and
     * weights (resume); refuses anything else, naming the keys that differ.
     */
    static void claim(Path out, Manifest manifest, Path weightsFile) throws IOException {
        Path file = out.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            refuseForeignFolder(out);
            Manifest first = weightsFile == null ? manifest : manifest.withWeights(WeightsFingerprint.of(weightsFile));
            AtomicFiles.writeString(file, JsonRecords.writePretty(first));
            return;
        }
        Map<String, Object> existing;
        WeightsFingerprint recorded;
        try {
            existing = Json.parseObject(Files.readString(file));
            // A folder of other settings may be of another shape: only the fingerprint is read as a record.
            recorded = existing.get(WEIGHTS) instanceof Map<?, ?> w
                    ? JsonRecords.fromTree(w, WeightsFingerprint.class)
                    : null;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": not a valid manifest (" + e.getMessage() + ")");
        }
        // Compared as JSON trees, key by key, so that the message names what differs.
        @SuppressWarnings("unchecked")
        Map<String, Object> wanted = (Map<String, Object>) JsonRecords.tree(manifest);
        Set<String> differ = new TreeSet<>();
        for (String key : union(existing.keySet(), wanted.keySet())) {
            if (key.equals(WEIGHTS)) continue;
            if (!Json.write(existing.get(key)).equals(Json.write(wanted.get(key)))) differ.add(key);
        }
        WeightsFingerprint weights = null;
        if (weightsFile == null || recorded == null) {
            if (weightsFile != null || existing.get(WEIGHTS) != null) differ.add(WEIGHTS);
        } else {
            weights = recorded.recheck(weightsFile);
            if (weights == null) differ.add(WEIGHTS + " (the sha256 of " + weightsFile + " changed)");
        }
        if (!differ.isEmpty()) {
            throw new IllegalArgumentException(out + " holds an extraction with other settings (differs in: "
                    + String.join(", ", differ) + "); use another output folder, or the same settings to resume");
        }
        if (weights != null && !weights.equals(recorded)) {
            // The file was touched or moved: record that, so that the next rerun need not hash it again.
            existing.put(WEIGHTS, JsonRecords.tree(weights));
            AtomicFiles.writeString(file, Json.writePretty(existing));
        }
    }

    /** Refuses a folder that holds something other than an extraction, before anything (a lock) is put into it. */
    static void refuseForeignFolder(Path out) throws IOException {
        if (Files.isRegularFile(out.resolve(MANIFEST))) return;
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmpty(out))) {
            throw new IllegalArgumentException(
                    out + " exists and is not an extraction folder (no " + MANIFEST + "); choose a new output folder");
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    /** Empty but maybe for the lock file of a run that was stopped before it wrote the manifest. */
    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> p.getFileName().toString().equals(FolderLock.FILE));
        }
    }

    /**
     * After a run that failed: a folder without a single shard file loses what the run put there (the manifest and
     * empty token and split folders), so that only the lock file is left for its holder to remove. Complete shards
     * keep everything, for a rerun to resume from.
     */
    static void removeIfNoShard(Path out) throws IOException {
        if (!Files.isDirectory(out)) return;
        List<Path> inside;
        try (Stream<Path> all = Files.walk(out)) {
            inside = all.filter(p -> !p.equals(out))
                    .sorted(Comparator.reverseOrder())
                    .toList(); // files first
        }
        for (Path p : inside) {
            String name = p.getFileName().toString();
            if (Files.isRegularFile(p) && !name.equals(MANIFEST) && !name.equals(FolderLock.FILE)) return;
        }
        for (Path p : inside) if (!p.getFileName().toString().equals(FolderLock.FILE)) Files.deleteIfExists(p);
    }

    /** Temporary files that a killed run left behind (see {@link AtomicFiles}). */
    static void removePartialFiles(Path out, Set<Intermediate> tokens, Set<String> splits) throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(out));
        for (Intermediate t : tokens)
            for (String s : splits) dirs.add(out.resolve(t.key()).resolve(s));
        for (Path dir : dirs) if (Files.isDirectory(dir)) AtomicFiles.removeStalePartials(dir);
    }

    /**
     * The ids of images {@code [from, to)} of a split as shard {@code file} records them, stored or skipped, by index;
     * fails with a {@link SafetensorsException} if the file is not a whole safetensors file (only its header is read)
     * or does not list exactly those images.
     */
    static String[] recordedImages(Path file, int from, int to) {
        SortedMap<Integer, String> listed;
        try (SafeTensors st = SafeTensors.open(file)) {
            listed = listedImages(file, st.metadata());
        }
        String[] ids = new String[to - from];
        for (var e : listed.entrySet()) {
            int index = e.getKey();
            if (index < from || index >= to) {
                throw new SafetensorsException(
                        file,
                        null,
                        "metadata lists image " + index + " outside the shard's images " + from + " to " + (to - 1));
            }
            ids[index - from] = e.getValue();
        }
        int missing = Arrays.asList(ids).indexOf(null);
        if (missing >= 0) {
            throw new SafetensorsException(
                    file, null, "metadata 'images' and 'skipped' do not list image " + (from + missing));
        }
        return ids;
    }

    /** The images a shard's metadata "images" and "skipped" list, by index (empty when it has neither). */
    private static SortedMap<Integer, String> listedImages(Path file, Map<String, String> meta) {
        SortedMap<Integer, String> ids = new TreeMap<>();
        try {
            for (String key : List.of("images", "skipped")) {
                for (Object entry : (List<?>) Json.parse(meta.getOrDefault(key, "[]"))) {
                    List<?> image = (List<?>) entry;
                    int index = ((Number) image.get(0)).intValue();
                    if (ids.put(index, (String) image.get(1)) != null) {
                        throw new SafetensorsException(
                                file, null, "metadata '" + key + "' lists image " + index + " twice");
                    }
                }
            }
        } catch (IllegalArgumentException | ClassCastException | IndexOutOfBoundsException e) {
            throw new SafetensorsException(
                    file, null, "metadata 'images' or 'skipped' is not a list of [index, id, ...] entries");
        }
        return ids;
    }

    /** Gathers the skipped images recorded in the shards of one token type into the report; returns their count. */
    static long writeReport(Path out, Intermediate token, Map<String, Integer> shardsPerSplit) throws IOException {
        StringBuilder tsv = new StringBuilder("split\timage\tproblem\n");
        long count = 0;
        for (var e : shardsPerSplit.entrySet()) {
            for (int s = 0; s < e.getValue(); s++) {
                Path file = shardFile(out, token, e.getKey(), s);
                try (SafeTensors st = SafeTensors.open(file)) {
                    for (Object entry : (List<?>) Json.parse(st.metadata().getOrDefault("skipped", "[]"))) {
                        List<?> triple = (List<?>) entry;
                        tsv.append(e.getKey())
                                .append('\t')
                                .append(triple.get(1))
                                .append('\t')
                                .append(triple.get(2))
                                .append('\n');
                        count++;
                    }
                }
            }
        }
        AtomicFiles.writeString(out.resolve(REPORT), tsv.toString());
        return count;
    }

    /**
     * Features read back as one data set: all shards of a folder ({@code DIR/<token type>/<split>}) concatenated
     * in order, or a single probe file.
     *
     * @param origin the intermediate, block and model the features come from, as the first file records them
     */
    public record Features(
            Path source,
            float[] features,
            int dim,
            ConceptLabels labels,
            List<String> concepts,
            long[] groups,
            long[] categories,
            List<String> categoryNames,
            String tokens,
            FeatureOrigin origin,
            long[] patches) {
        public int size() {
            return features.length / dim;
        }
    }

    public static Features read(Path path) {
        List<Path> files = Files.isDirectory(path) ? shardsOf(path) : List.of(path);
        float[][] features = new float[files.size()][];
        List<ConceptLabels> labels = new ArrayList<>();
        long[][] groups = new long[files.size()][], patches = new long[files.size()][];
        Features first = null;
        String firstSplit = null;
        int nextImage = 0;
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            try (SafeTensors st = SafeTensors.open(f)) {
                Features one = readOne(f, st);
                String split = st.metadata().get("split");
                if (first == null) {
                    first = one;
                    firstSplit = split;
                } else {
                    requireSame(first, firstSplit, one, split, f);
                }
                if (files.size() > 1) nextImage = requireNextImages(f, st.metadata(), nextImage);
                features[i] = one.features;
                labels.add(one.labels);
                groups[i] = one.groups;
                patches[i] = one.patches;
            }
        }
        long total = Arrays.stream(features).mapToLong(a -> a.length).sum();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": " + total
                    + " feature values, more than one Java array holds (2^31); probe fewer images or patches");
        }
        return new Features(
                path,
                concat(features, (int) total),
                first.dim,
                ConceptLabels.concat(labels),
                first.concepts,
                concat(groups),
                first.categories,
                first.categoryNames,
                first.tokens,
                first.origin,
                first.patches == null ? null : concat(patches));
    }

    private static List<Path> shardsOf(Path dir) {
        List<Path> shards;
        try (Stream<Path> s = Files.list(dir)) {
            shards = s.filter(p -> p.getFileName().toString().matches("shard-\\d+\\.safetensors"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list folder (" + e.getMessage() + ")");
        }
        if (shards.isEmpty())
            throw new IllegalArgumentException(dir + ": no shard-*.safetensors files (not an extraction folder)");
        int expected = expectedShards(dir);
        if (expected >= 0 && shards.size() != expected) {
            throw new IllegalArgumentException(dir + ": " + shards.size() + " of " + expected
                    + " shards present; the extraction is incomplete (rerun extract to resume it)");
        }
        return shards;
    }

    /** The shard count the manifest two levels up gives for this split, or -1 without one. */
    private static int expectedShards(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (abs.getParent() == null || abs.getParent().getParent() == null) return -1;
        Path manifest = abs.getParent().getParent().resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) return -1;
        try {
            Manifest.SplitSize split = JsonRecords.read(Files.readString(manifest), Manifest.class)
                    .splits()
                    .get(abs.getFileName().toString());
            return split == null ? -1 : split.shards();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(manifest + ": unreadable manifest (" + e.getMessage() + ")");
        }
    }

    private static Features readOne(Path f, SafeTensors st) {
        Tensor features = st.tensor("features");
        if (features.rank() != 2 || (features.dtype() != DType.F32 && features.dtype() != DType.F16)) {
            throw new SafetensorsException(
                    f,
                    "features",
                    "expected F32 or F16 [N,D], found " + features.dtype() + " " + features.shapeString());
        }
        Map<String, String> meta = st.metadata();
        List<String> concepts = stringList(f, meta, "concepts");
        ConceptLabels labels = ConceptLabels.read(f, st, features.dim(0), concepts.size());
        long[] groups = st.has("groups") ? st.tensor("groups").toLongArray() : null;
        long[] patches = st.has("patches") ? st.tensor("patches").toLongArray() : null;
        long[] categories = st.has("categories") ? st.tensor("categories").toLongArray() : null;
        List<String> categoryNames =
                meta.containsKey("categories_names") ? stringList(f, meta, "categories_names") : List.of();
        requireRows(f, "groups", groups, features.dim(0));
        requireRows(f, "patches", patches, features.dim(0));
        return new Features(
                f,
                features.toFloatArray(),
                Math.toIntExact(features.dim(1)),
                labels,
                concepts,
                groups,
                categories,
                categoryNames,
                meta.get("tokens"),
                FeatureOrigin.fromMetadata(f, meta),
                patches);
    }

    private static void requireRows(Path f, String name, long[] values, long rows) {
        if (values != null && values.length != rows) {
            throw new SafetensorsException(
                    f, name, "has " + values.length + " entries but features has " + rows + " rows");
        }
    }

    private static List<String> stringList(Path f, Map<String, String> meta, String key) {
        if (!meta.containsKey(key)) throw new SafetensorsException(f, null, "metadata '" + key + "' is missing");
        try {
            if (Json.parse(meta.get(key)) instanceof List<?> list
                    && list.stream().allMatch(String.class::isInstance)) {
                return list.stream().map(String.class::cast).toList();
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new SafetensorsException(f, null, "metadata '" + key + "' must be a JSON list of strings");
    }

    /**
     * Refuses a shard of a folder that is not of the first shard's kind: another width, concepts, categories, sample
     * kind or tensors, or features of another token type, block, model or split (a file copied in from elsewhere).
     */
    private static void requireSame(Features first, String firstSplit, Features other, String split, Path f) {
        FeatureOrigin a = first.origin, b = other.origin;
        List<String> problems = new ArrayList<>();
        if (first.dim != other.dim)
            problems.add("feature dimension " + other.dim + " (first shard: " + first.dim + ")");
        if (!first.concepts.equals(other.concepts)) problems.add("other concepts than the first shard");
        if (!Arrays.equals(first.categories, other.categories)) problems.add("other categories than the first shard");
        addDifference(problems, "tokens", first.tokens, other.tokens);
        addDifference(problems, "token type", a.tokenType(), b.tokenType());
        if (!Objects.equals(a.block(), b.block()))
            problems.add("block " + b.block() + " (first shard: " + a.block() + ")");
        addDifference(problems, "model", a.model(), b.model());
        addDifference(problems, "split", firstSplit, split);
        if ((first.groups == null) != (other.groups == null) || (first.patches == null) != (other.patches == null))
            problems.add("other tensors than the first shard");
        if (!problems.isEmpty())
            throw new SafetensorsException(f, null, "has " + problems.getFirst() + "; shards of one folder must match");
    }

    private static void addDifference(List<String> problems, String what, String first, String other) {
        if (!Objects.equals(first, other)) problems.add(what + " '" + other + "' (first shard: '" + first + "')");
    }

    /**
     * Requires a shard of a folder to list the images that come next, {@code next} onwards without gaps, when its
     * metadata lists images (extract's shards do): a duplicated shard or one of another run's shard size would
     * otherwise be probed as if it held other images. Returns the image that comes after it.
     */
    private static int requireNextImages(Path f, Map<String, String> meta, int next) {
        SortedMap<Integer, String> listed = listedImages(f, meta);
        if (listed.isEmpty()) return next;
        int from = listed.firstKey(), to = listed.lastKey();
        if (from != next || to - from + 1 != listed.size()) {
            throw new SafetensorsException(
                    f,
                    null,
                    "lists images " + from + " to " + to + (to - from + 1 != listed.size() ? " with gaps" : "")
                            + "; image " + next + " comes next in the folder (a duplicated or misplaced shard?)");
        }
        return to + 1;
    }

    private static float[] concat(float[][] parts, int total) {
        float[] out = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static long[] concat(long[][] parts) {
        if (parts.length == 0 || parts[0] == null) return null;
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }
}
