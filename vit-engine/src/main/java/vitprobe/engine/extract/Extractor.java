package vitprobe.engine.extract;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.TokenGrid;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.image.ImageDecodeException;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.FolderLock;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.ViTConfig;

/**
 * Extracts token features of a whole data set into a {@link FeatureStore} folder. Decoding and preprocessing run on
 * their own threads, a bounded number of images ahead of the forward pass, which gets full batches (a batch never
 * spans two shards, so that a resumed run computes every shard exactly as an uninterrupted one). Each shard is
 * written atomically; a rerun skips the shards that are complete. Images that cannot be read or decoded are left
 * out, recorded in their shard and listed in the report.
 */
public final class Extractor {
    /** Batches decoded ahead of the forward pass: bounds memory while keeping the decoding threads busy. */
    private static final int BATCHES_AHEAD = 2;

    private final VisionTransformer vit;
    private final ModelId model;
    private final ExtractOptions options;
    private final int batch;
    private final int decodeThreads;
    private final PrintWriter progressOut;
    private final StageTimes times = new StageTimes();
    private final ImageTransform transform;

    /**
     * @param model         the model's name and weights file for the manifest
     * @param progressOut   where the progress bar goes (stderr), or null for none
     */
    public Extractor(
            VisionTransformer vit,
            ModelId model,
            ExtractOptions options,
            int batch,
            int decodeThreads,
            PrintWriter progressOut) {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (decodeThreads < 1)
            throw new IllegalArgumentException("decode threads must be at least 1, got " + decodeThreads);
        if (options.block() >= vit.config().depth()) {
            throw new IllegalArgumentException("block " + options.block() + " requested but the model has "
                    + vit.config().depth() + " blocks");
        }
        this.vit = vit;
        this.model = model;
        this.options = options;
        this.batch = batch;
        this.decodeThreads = decodeThreads;
        this.progressOut = progressOut;
        this.transform = options.task().transform(vit.config(), options.input().requireFits(vit.config()));
    }

    /**
     * @param images  images of the data set (stored or skipped, this run and earlier ones)
     * @param skipped images left out, as listed in the report
     * @param resumed shards found complete and kept
     * @param imagesPerSecond images processed by this run per second of wall time
     */
    public record Result(
            long images, long skipped, int shards, int resumed, double imagesPerSecond, StageTimes times) {}

    /**
     * Images {@code [from, to)} of a split, written as shard {@code index}: the unit of atomic writes, of resuming and
     * of distributing a run, extracted the same wherever it runs (a batch never spans two shards).
     */
    public record Shard(String split, int index, int from, int to) implements Serializable {}

    /**
     * Writes the shards a run still lacks into its folder, in this JVM or elsewhere (e.g. on a cluster), telling
     * {@code written} of each as it is done (from any thread; a shard may be told of twice) for the progress shown.
     */
    @FunctionalInterface
    public interface ShardWriter {
        void write(List<Shard> pending, Path out, Consumer<Shard> written) throws IOException;
    }

    /**
     * A decoded, preprocessed image (height × width pixels) with the labels of its stored samples, or the reason it
     * is skipped.
     */
    private record Prepared(
            Sample sample, float[] pixels, int height, int width, byte[] labels, int[] patches, String problem) {
        static Prepared skipped(Sample sample, String problem) {
            return new Prepared(sample, null, 0, 0, null, null, problem);
        }
    }

    /**
     * Extracts into {@code out}, or resumes the extraction there. Only one run may write a folder at a time: a second
     * one is refused while the first holds the folder's lock.
     */
    public Result run(SampleSource source, Path out) throws IOException {
        return run(source, out, null);
    }

    /**
     * As {@link #run(SampleSource, Path)}, the pending shards written by {@code writer} (null: in this JVM). This JVM
     * holds the folder's lock, writes the manifest first and the report once every shard is there.
     */
    public Result run(SampleSource source, Path out, ShardWriter writer) throws IOException {
        FeatureStore.refuseForeignFolder(out);
        try (FolderLock lock = FolderLock.acquire(out).removingCreatedFolderIfLeftEmpty()) {
            // A first run that fails leaves nothing behind; a rerun's folder keeps its manifest, whatever happens.
            boolean first = !Files.exists(out.resolve(FeatureStore.MANIFEST));
            try {
                return runLocked(source, out, writer);
            } catch (IOException | RuntimeException e) {
                try {
                    if (first) FeatureStore.removeIfNoShard(out);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup); // the run's failure is the one to report
                }
                throw e;
            }
        }
    }

    private Result runLocked(SampleSource source, Path out, ShardWriter writer) throws IOException {
        Map<String, List<? extends Sample>> splits = new LinkedHashMap<>();
        for (String split : source.splits()) splits.put(split, source.samples(split));
        FeatureStore.claim(out, manifest(source, splits), model.weightsFile());

        List<Shard> pending = new ArrayList<>();
        Map<String, Integer> shardCounts = new LinkedHashMap<>();
        long images = 0, done = 0;
        for (var e : splits.entrySet()) {
            int size = e.getValue().size();
            images += size;
            for (int s = 0; s * options.shardImages() < size; s++) {
                int from = s * options.shardImages(), to = Math.min(size, from + options.shardImages());
                Shard shard = new Shard(e.getKey(), s, from, to);
                shardCounts.merge(e.getKey(), 1, Integer::sum);
                if (complete(out, shard, e.getValue())) done += to - from;
                else pending.add(shard);
            }
        }
        FeatureStore.removePartialFiles(out, options.tokens(), splits.keySet());
        Progress progress = new Progress(progressOut, images, done);
        if (writer == null) {
            extract(source.concepts(), splits::get, pending, out, progress);
        } else {
            Set<Shard> told = ConcurrentHashMap.newKeySet();
            Consumer<Shard> written = s -> {
                if (told.add(s)) progress.advance(s.to - s.from);
            };
            writer.write(pending, out, written);
            for (Shard s : pending) {
                if (!complete(out, s, splits.get(s.split)))
                    throw new IllegalStateException(out + ": shard " + s + " was not written");
                written.accept(s); // one the writer did not tell of
            }
        }
        progress.finish();
        long skipped = FeatureStore.writeReport(out, options.tokens().iterator().next(), shardCounts);
        int shards = shardCounts.values().stream().mapToInt(Integer::intValue).sum();
        return new Result(images, skipped, shards, shards - pending.size(), progress.imagesPerSecond(), times);
    }

    /**
     * Writes these shards of {@code source} into {@code out} in this JVM, each as an uninterrupted run writes it,
     * without taking the folder's lock: the caller (a cluster's task, say, whose driver holds it) sees to that.
     * Several threads may call this at once, each with its own shards.
     */
    public void extract(SampleSource source, List<Shard> shards, Path out) throws IOException {
        Map<String, List<? extends Sample>> splits = new LinkedHashMap<>();
        Function<String, List<? extends Sample>> listed = split -> splits.computeIfAbsent(split, source::samples);
        extract(source.concepts(), listed, shards, out, new Progress(null, 0, 0));
    }

    private void extract(
            Concepts concepts,
            Function<String, List<? extends Sample>> splits,
            List<Shard> shards,
            Path out,
            Progress progress)
            throws IOException {
        ExecutorService decoders = Executors.newFixedThreadPool(decodeThreads, r -> {
            Thread t = new Thread(r, "vitprobe-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            Ahead ahead = new Ahead(decoders, splits, shards, concepts.size());
            for (Shard shard : shards) extractShard(shard, ahead, out, concepts, progress);
        } finally {
            decoders.shutdownNow();
        }
    }

    /**
     * Whether every token type's file of this shard is in {@code out}, whole and extracted from the images the data
     * set now lists for it ({@code samples}: its split). A file that is not a whole shard (a truncated copy, say) is
     * deleted, to be written again; a shard of other images refuses the run. Only the images' ids are compared: an
     * image replaced under the same name is not noticed.
     */
    private boolean complete(Path out, Shard shard, List<? extends Sample> samples) throws IOException {
        for (Intermediate t : options.tokens()) {
            Path file = FeatureStore.shardFile(out, t, shard.split, shard.index);
            if (!Files.isRegularFile(file)) return false;
            String[] recorded;
            try {
                recorded = FeatureStore.recordedImages(file, shard.from, shard.to);
            } catch (SafetensorsException e) {
                Files.delete(file);
                if (progressOut != null) {
                    progressOut.println("damaged shard, extracting it again: " + e.getMessage());
                    progressOut.flush();
                }
                return false;
            }
            for (int i = shard.from; i < shard.to; i++) {
                String now = samples.get(i).id(), was = recorded[i - shard.from];
                if (!now.equals(was)) {
                    throw new IllegalArgumentException(out + " holds features of other images: " + shard.split
                            + " image " + i + " was " + was + ", the data set now has " + now
                            + "; use a new output folder (--out) or delete this one");
                }
            }
        }
        return true;
    }

    /** The manifest: the settings that decide the stored bytes (the weights' fingerprint aside), the output's shape. */
    private Manifest manifest(SampleSource source, Map<String, List<? extends Sample>> splits) {
        ViTConfig c = vit.config();
        Concepts concepts = source.concepts();
        boolean patches = options.task() == Task.SEGMENTATION;
        Map<String, Manifest.SplitSize> sizes = new LinkedHashMap<>();
        splits.forEach((name, samples) -> sizes.put(
                name,
                new Manifest.SplitSize(
                        samples.size(), (samples.size() + options.shardImages() - 1) / options.shardImages())));
        boolean categories = concepts.categories() != null;
        boolean other = !options.input().isNative(c);
        TokenGrid grid = other ? options.input().grid(c) : null;
        return new Manifest(
                FeatureStore.FORMAT,
                model.name(),
                c.summary(),
                source.description(),
                options.task().key(),
                options.task().tokens(),
                Intermediate.keys(options.tokens()),
                options.block(),
                c.dim(),
                options.dtype().key(),
                vit.backend().numerics(),
                batch,
                Manifest.Transform.of(transform, c.interpolation()),
                grid == null ? null : List.of(grid.rows(), grid.columns()),
                other ? vit.posResample().key() : null,
                options.shardImages(),
                patches && !other ? c.gridSize() : null,
                patches ? options.patches().perImage() : null,
                patches ? options.patches().seed() : null,
                sizes,
                concepts.names(),
                categories ? Arrays.stream(concepts.categories()).boxed().toList() : null,
                categories ? concepts.categoryNames() : null,
                null);
    }

    private void extractShard(Shard job, Ahead ahead, Path out, Concepts concepts, Progress progress)
            throws IOException {
        ShardBuilder shard = new ShardBuilder();
        List<Prepared> group = new ArrayList<>(batch);
        List<Integer> indices = new ArrayList<>(batch);
        for (int i = job.from; i < job.to; i++) {
            Prepared p = ahead.next();
            if (p.problem != null) {
                shard.skip(i, p.sample.id(), p.problem);
            } else {
                group.add(p);
                indices.add(i);
            }
            if (group.size() == batch || (i == job.to - 1 && !group.isEmpty())) {
                forward(group, indices, shard);
                progress.advance(group.size());
                group.clear();
                indices.clear();
            }
            if (p.problem != null) progress.advance(1);
        }
        long t0 = System.nanoTime();
        ViTConfig c = vit.config();
        ShardBuilder.Header header = new ShardBuilder.Header(
                options.task(),
                options.dtype(),
                options.block(),
                model.name(),
                job.split,
                c,
                concepts.names(),
                concepts.categories(),
                concepts.categoryNames());
        for (Intermediate t : options.tokens())
            shard.write(FeatureStore.shardFile(out, t, job.split, job.index), t, header);
        times.add(StageTimes.Stage.WRITE, System.nanoTime() - t0);
    }

    /**
     * Forward passes over a batch, one per input size (sizes differ only when images keep their aspect ratio); keeps
     * the [CLS] token or the selected patch tokens of each image, in the batch's order.
     */
    private void forward(List<Prepared> group, List<Integer> indices, ShardBuilder shard) {
        long t0 = System.nanoTime();
        Map<List<Integer>, List<Integer>> bySize = new LinkedHashMap<>();
        for (int i = 0; i < group.size(); i++) {
            Prepared p = group.get(i);
            bySize.computeIfAbsent(List.of(p.height, p.width), k -> new ArrayList<>())
                    .add(i);
        }
        Activations[] acts = new Activations[group.size()];
        int[] position = new int[group.size()];
        for (var e : bySize.entrySet()) {
            List<Integer> members = e.getValue();
            int height = e.getKey().get(0), width = e.getKey().get(1), per = 3 * height * width;
            float[] pixels = new float[members.size() * per];
            for (int j = 0; j < members.size(); j++) {
                System.arraycopy(group.get(members.get(j)).pixels, 0, pixels, j * per, per);
            }
            Activations a;
            // Shards extracted at once on several threads (a cluster's tasks) share the model: one forward at a time,
            // while the other threads decode.
            synchronized (vit) {
                a = vit.forward(
                        new FloatTensor(pixels, members.size(), 3, height, width),
                        Capture.of(options.block(), options.tokens()));
            }
            for (int j = 0; j < members.size(); j++) {
                acts[members.get(j)] = a;
                position[members.get(j)] = j;
            }
        }
        times.add(StageTimes.Stage.FORWARD, System.nanoTime() - t0);
        for (int i = 0; i < group.size(); i++) {
            Prepared p = group.get(i);
            shard.image(indices.get(i), p.sample.id());
            int[] rows = options.task() == Task.CLASSIFICATION ? new int[] {0} : p.patches;
            int labelWidth = p.labels.length / rows.length;
            for (int r = 0; r < rows.length; r++) {
                int token = options.task() == Task.CLASSIFICATION ? 0 : 1 + rows[r];
                Map<Intermediate, float[]> row = new EnumMap<>(Intermediate.class);
                for (Intermediate t : options.tokens())
                    row.put(t, tokenRow(acts[i].get(options.block(), t), position[i], token));
                byte[] labels = java.util.Arrays.copyOfRange(p.labels, r * labelWidth, (r + 1) * labelWidth);
                shard.add(row, labels, indices.get(i), options.task() == Task.CLASSIFICATION ? -1 : rows[r]);
            }
        }
    }

    /** The vector of one token of one image in a captured [B, N, width] tensor; widths differ (mlp_hidden). */
    private static float[] tokenRow(FloatTensor captured, int image, int token) {
        int width = captured.dim(2), from = (image * captured.dim(1) + token) * width;
        return java.util.Arrays.copyOfRange(captured.data(), from, from + width);
    }

    /** Decodes a sample and computes its labels on a decoding thread. */
    private Prepared prepare(Sample sample, int concepts) {
        try {
            long t0 = System.nanoTime();
            RgbImage image = ImageDecoder.decode(sample.read(), sample.id());
            long t1 = System.nanoTime();
            times.add(StageTimes.Stage.DECODE, t1 - t0);
            // Placed first: an image too thin to resize is skipped with its name.
            ImageTransform.Placement placed = transform.place(image.width(), image.height(), sample.id());
            float[] pixels = transform.apply(image, sample.id());
            int height = placed.height(), width = placed.width();
            Prepared prepared;
            if (options.task() == Task.CLASSIFICATION) {
                byte[] labels = checked(sample.imageLabels(), concepts, sample);
                prepared = new Prepared(sample, pixels, height, width, labels, null, null);
            } else {
                PatchGrid grid = PatchGrid.of(
                        image.width(), image.height(), transform, vit.config().patchSize(), sample.id());
                byte[] all = checked(sample.patchLabels(grid), grid.patches() * concepts, sample);
                int[] kept = options.patches().select(sample.id(), all, grid.patches(), concepts);
                byte[] labels = new byte[kept.length * concepts];
                for (int i = 0; i < kept.length; i++)
                    System.arraycopy(all, kept[i] * concepts, labels, i * concepts, concepts);
                prepared = new Prepared(sample, pixels, height, width, labels, kept, null);
            }
            times.add(StageTimes.Stage.PREPROCESS, System.nanoTime() - t1);
            return prepared;
        } catch (ImageDecodeException | IOException | UncheckedIOException e) {
            return Prepared.skipped(sample, oneLine(e.getMessage(), e));
        }
    }

    private static byte[] checked(byte[] labels, int expected, Sample sample) {
        if (labels.length != expected) {
            throw new IllegalStateException(
                    sample.id() + ": the data set gave " + labels.length + " label values, expected " + expected);
        }
        return labels;
    }

    private static String oneLine(String message, Exception e) {
        String m = message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        return m.replaceAll("\\s*\\R\\s*", " ").replace('\t', ' ');
    }

    /** Keeps decoding tasks for the next few batches in flight and hands out their results in order. */
    private final class Ahead {
        private final ExecutorService pool;
        private final Iterator<Sample> samples;
        private final ArrayDeque<Future<Prepared>> inFlight = new ArrayDeque<>();
        private final int concepts;

        Ahead(ExecutorService pool, Function<String, List<? extends Sample>> splits, List<Shard> shards, int concepts) {
            this.pool = pool;
            this.concepts = concepts;
            this.samples = shards.stream()
                    .<Sample>flatMap(s -> splits.apply(s.split).subList(s.from, s.to).stream())
                    .iterator();
        }

        Prepared next() {
            while (inFlight.size() < BATCHES_AHEAD * batch + decodeThreads && samples.hasNext()) {
                Sample s = samples.next();
                inFlight.add(pool.submit(() -> prepare(s, concepts)));
            }
            try {
                return inFlight.removeFirst().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while decoding", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
