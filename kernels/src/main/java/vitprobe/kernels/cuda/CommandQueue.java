package vitprobe.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vitprobe.kernels.cuda.KernelLibrary.Kernel;

/**
 * Device work recorded by the backend's operations and run at the next {@link #flush()}: the recorded kernels and
 * device copies become one CUDA graph, captured the first time a given sequence is seen and replayed from then on
 * (a ViT forward is ~90-150 launches; replaying a graph removes the per-launch cost of ~3 µs through FFM). The cache
 * key is the exact content of the sequence (kernels, grid shapes, every argument including device addresses), so a
 * replay always does precisely what eager launches would have done.
 *
 * <p>Downloads ride along: each names the device buffer and the host array to fill. A download whose buffer is
 * overwritten later in the same flush is first copied to a snapshot buffer inside the graph, at the point where it
 * was asked for; the copies to the host (page-locked staging, then the Java arrays) happen after the graph, so the
 * graph itself is only device work and its event-timed duration is the forward's compute time.
 */
final class CommandQueue implements AutoCloseable {
    private static final int GRAPH_CACHE_SIZE = 32;
    private static final long UPLOAD_CHUNK = 32L << 20;

    private sealed interface Command permits Launch, DeviceCopy {}

    private record Launch(Kernel kernel, int gridX, int gridY, long[] args, long[] writes) implements Command {}

    private record DeviceCopy(long to, long from, long bytes) implements Command {}

    /** A copy to the host of {@code floats} floats at device address {@code from}, asked for before command {@code position}. */
    private record Download(long from, long floats, float[] target, int offset, int position) {}

    /** A graph cache key: the sequence's content, compared element by element. */
    private record Key(long[] content, int hash) {
        Key(long[] content) {
            this(content, Arrays.hashCode(content));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && Arrays.equals(content, k.content);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final CudaDriver driver;
    private final MemorySegment stream;
    private final DeviceMemory memory;
    private final boolean useGraphs, profile;
    private final List<MemorySegment> profileEvents = new ArrayList<>();
    private final Map<String, double[]> kernelMillis = new LinkedHashMap<>(); // name -> {total ms, launches}
    private final List<Command> commands = new ArrayList<>();
    private final List<Download> downloads = new ArrayList<>();
    private final Map<Key, MemorySegment> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Download, Long> snapshotOf = new IdentityHashMap<>();
    private final MemorySegment start, computed, transferred;
    private MemorySegment staging = MemorySegment.NULL; // page-locked host buffer for every transfer
    private long snapshots, snapshotBytes; // device buffer for downloads of overwritten data
    private double computeMillis, transferMillis;
    private int flushes, graphsCaptured;

    /**
     * With {@code profile}, flushes launch eagerly with an event pair around every command and add up device time per
     * kernel ({@link #takeKernelProfile()}): for finding where a forward's time goes, not for timing it.
     */
    CommandQueue(CudaDriver driver, MemorySegment stream, DeviceMemory memory, boolean useGraphs, boolean profile) {
        this.driver = driver;
        this.stream = stream;
        this.memory = memory;
        this.useGraphs = useGraphs && !profile;
        this.profile = profile;
        start = driver.createEvent();
        computed = driver.createEvent();
        transferred = driver.createEvent();
    }

    /**
     * Records a launch on a (gridX, gridY) grid, with the block size and shared memory of the kernel's launch shape.
     * {@code args} follow the kernel's parameter list (floats as their raw bits); {@code writes} are the base
     * addresses of the buffers it writes.
     */
    void launch(Kernel kernel, int gridX, int gridY, long[] args, long... writes) {
        if (args.length != kernel.parameters().length()) {
            throw new IllegalArgumentException(
                    kernel.name() + " takes " + kernel.parameters().length() + " arguments, got " + args.length);
        }
        if (gridX <= 0 || gridY <= 0 || gridY > 65535)
            throw new IllegalArgumentException(kernel.name() + ": grid " + gridX + "x" + gridY);
        commands.add(new Launch(kernel, gridX, gridY, args, writes));
    }

    /** Records: fill {@code target[offset ..]} with {@code floats} fp32 values at {@code from} (ready after flush). */
    void download(long from, long floats, float[] target, int offset) {
        if (offset < 0 || offset + floats > target.length)
            throw new IllegalArgumentException("download target too small");
        downloads.add(new Download(from, floats, target, offset, commands.size()));
    }

    /** Copies host floats to device memory now (flushing recorded work first: it may read the old contents). */
    void upload(float[] data, long to) {
        flush();
        ensureStaging(Math.min((long) data.length * Float.BYTES, UPLOAD_CHUNK));
        long chunkFloats = staging.byteSize() / Float.BYTES;
        for (long done = 0; done < data.length; done += chunkFloats) {
            int n = (int) Math.min(chunkFloats, data.length - done);
            MemorySegment.copy(data, (int) done, staging, JAVA_FLOAT, 0, n);
            driver.copyToDevice(to + done * Float.BYTES, staging, (long) n * Float.BYTES, stream);
            driver.synchronize(stream); // the staging buffer is reused by the next chunk
        }
    }

    /** Runs what was recorded, waits for it, fills the download targets and lets released memory be reused. */
    void flush() {
        flush(useGraphs);
    }

    /** Like {@link #flush()} but never through a graph: for one-off work such as preparing weights. */
    void flushOnce() {
        flush(false);
    }

    private void flush(boolean throughGraph) {
        if (commands.isEmpty() && downloads.isEmpty()) return;
        try {
            List<Command> plan = planSnapshots();
            driver.record(start, stream);
            if (!plan.isEmpty()) {
                if (profile) issueProfiled(plan);
                else if (throughGraph) driver.launchGraph(graphFor(plan), stream);
                else issue(plan);
            }
            driver.record(computed, stream);
            long stagingOffset = 0;
            for (Download d : downloads) {
                driver.copyToHost(staging.asSlice(stagingOffset), sourceOf(d), d.floats * Float.BYTES, stream);
                stagingOffset += d.floats * Float.BYTES;
            }
            driver.record(transferred, stream);
            driver.synchronize(stream);
            stagingOffset = 0;
            for (Download d : downloads) {
                MemorySegment.copy(staging, JAVA_FLOAT, stagingOffset, d.target, d.offset, (int) d.floats);
                stagingOffset += d.floats * Float.BYTES;
            }
            if (profile) collectProfile(plan);
            computeMillis += driver.elapsedMillis(start, computed);
            transferMillis += driver.elapsedMillis(computed, transferred);
            flushes++;
        } finally {
            commands.clear();
            downloads.clear();
            memory.recycle();
        }
    }

    /**
     * The commands with a snapshot copy inserted for every download whose source a later command overwrites; also
     * sizes the snapshot and staging buffers for this flush.
     */
    private List<Command> planSnapshots() {
        snapshotOf.clear();
        long snapshotTotal = 0, stagingTotal = 0;
        List<Download> needing = new ArrayList<>();
        for (Download d : downloads) {
            stagingTotal += d.floats * Float.BYTES;
            if (overwrittenAfter(d.from, d.position)) {
                needing.add(d);
                snapshotTotal += align(d.floats * Float.BYTES);
            }
        }
        ensureStaging(stagingTotal);
        if (needing.isEmpty()) return commands;
        if (snapshotTotal > snapshotBytes) {
            if (snapshots != 0) driver.free(snapshots); // nothing recorded earlier can still be running
            snapshotBytes = Math.max(snapshotTotal, 2 * snapshotBytes);
            snapshots = driver.allocate(snapshotBytes);
        }
        List<Command> plan = new ArrayList<>(commands.size() + needing.size());
        Iterator<Download> next = needing.iterator();
        Download pending = next.next();
        long at = snapshots;
        for (int i = 0; i <= commands.size(); i++) {
            while (pending != null && pending.position == i) {
                plan.add(new DeviceCopy(at, pending.from, pending.floats * Float.BYTES));
                snapshotOf.put(pending, at);
                at += align(pending.floats * Float.BYTES);
                pending = next.hasNext() ? next.next() : null;
            }
            if (i < commands.size()) plan.add(commands.get(i));
        }
        return plan;
    }

    private boolean overwrittenAfter(long buffer, int position) {
        for (int i = position; i < commands.size(); i++) {
            if (commands.get(i) instanceof Launch l) {
                for (long w : l.writes) if (w == buffer) return true;
            }
        }
        return false;
    }

    private long sourceOf(Download d) {
        Long snapshot = snapshotOf.get(d);
        return snapshot != null ? snapshot : d.from;
    }

    private static long align(long bytes) {
        return (bytes + 255) / 256 * 256;
    }

    private void ensureStaging(long bytes) {
        long had = staging.byteSize();
        if (had >= bytes) return;
        if (had > 0) driver.freeHost(staging);
        staging = MemorySegment.NULL;
        staging = driver.allocateHost(Math.max(bytes, 2 * had));
    }

    private MemorySegment graphFor(List<Command> plan) {
        Key key = new Key(encode(plan));
        MemorySegment executable = graphs.get(key);
        if (executable != null) return executable;
        driver.beginCapture(stream);
        MemorySegment graph;
        try {
            issue(plan);
        } catch (RuntimeException e) {
            try {
                driver.destroyGraph(driver.endCapture(stream));
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        graph = driver.endCapture(stream);
        try {
            executable = driver.instantiate(graph);
        } finally {
            driver.destroyGraph(graph); // the executable graph is independent of the graph it was made from
        }
        graphs.put(key, executable);
        graphsCaptured++;
        if (graphs.size() > GRAPH_CACHE_SIZE) {
            Iterator<MemorySegment> eldest = graphs.values().iterator();
            driver.destroyExecutable(eldest.next());
            eldest.remove();
        }
        return executable;
    }

    /** Enqueues the commands on the stream (captured into a graph when a capture is active). */
    private void issue(List<Command> plan) {
        try (Arena arena = Arena.ofConfined()) {
            for (Command c : plan) {
                switch (c) {
                    case Launch l ->
                        driver.launch(
                                l.kernel.function(),
                                l.gridX,
                                l.gridY,
                                1,
                                l.kernel.shape().threads(),
                                l.kernel.shape().sharedBytes(),
                                stream,
                                parameters(arena, l),
                                l.kernel.name());
                    case DeviceCopy d -> driver.copyOnDevice(d.to, d.from, d.bytes, stream);
                }
            }
        }
    }

    private void issueProfiled(List<Command> plan) {
        while (profileEvents.size() < 2 * plan.size()) profileEvents.add(driver.createEvent());
        for (int i = 0; i < plan.size(); i++) {
            driver.record(profileEvents.get(2 * i), stream);
            issue(plan.subList(i, i + 1));
            driver.record(profileEvents.get(2 * i + 1), stream);
        }
    }

    private void collectProfile(List<Command> plan) {
        for (int i = 0; i < plan.size(); i++) {
            String name = plan.get(i) instanceof Launch l ? l.kernel.name() : "device copy";
            double[] entry = kernelMillis.computeIfAbsent(name, n -> new double[2]);
            entry[0] += driver.elapsedMillis(profileEvents.get(2 * i), profileEvents.get(2 * i + 1));
            entry[1]++;
        }
    }

    /** Device milliseconds and launch counts per kernel since the last call (profile mode only); resets them. */
    Map<String, double[]> takeKernelProfile() {
        Map<String, double[]> copy = new LinkedHashMap<>(kernelMillis);
        kernelMillis.clear();
        return copy;
    }

    /** cuLaunchKernel's argument array: pointers to each value, laid out in 8-byte slots. */
    private static MemorySegment parameters(Arena arena, Launch l) {
        String kinds = l.kernel.parameters();
        MemorySegment values = arena.allocate(8L * kinds.length(), 8);
        MemorySegment pointers = arena.allocate(ADDRESS, kinds.length());
        for (int i = 0; i < kinds.length(); i++) {
            long at = 8L * i;
            switch (kinds.charAt(i)) {
                case 'p', 'l' -> values.set(JAVA_LONG, at, l.args[i]);
                case 'i', 'f' -> values.set(JAVA_INT, at, (int) l.args[i]); // floats arrive as their raw bits
                default -> throw new IllegalStateException("parameter kind " + kinds.charAt(i));
            }
            pointers.setAtIndex(ADDRESS, i, values.asSlice(at));
        }
        return pointers;
    }

    private static long[] encode(List<Command> plan) {
        int size = 0;
        for (Command c : plan) size += c instanceof Launch l ? 4 + l.args.length : 4;
        long[] out = new long[size];
        int at = 0;
        for (Command c : plan) {
            switch (c) {
                case Launch l -> {
                    out[at++] = 1;
                    out[at++] = l.kernel.id();
                    out[at++] = l.gridX;
                    out[at++] = l.gridY; // the kernel's id stands for its launch shape too
                    for (long a : l.args) out[at++] = a;
                }
                case DeviceCopy d -> {
                    out[at++] = 2;
                    out[at++] = d.to;
                    out[at++] = d.from;
                    out[at++] = d.bytes;
                }
            }
        }
        return out;
    }

    /** Device time since the last call (and resets it). */
    CudaBackend.DeviceTiming takeTiming() {
        CudaBackend.DeviceTiming t = new CudaBackend.DeviceTiming(computeMillis, transferMillis, flushes);
        computeMillis = transferMillis = 0;
        flushes = 0;
        return t;
    }

    int graphsCaptured() {
        return graphsCaptured;
    }

    boolean idle() {
        return commands.isEmpty() && downloads.isEmpty();
    }

    @Override
    public void close() {
        commands.clear();
        downloads.clear();
        for (MemorySegment g : graphs.values()) driver.destroyExecutable(g);
        graphs.clear();
        if (snapshots != 0) driver.free(snapshots);
        snapshots = snapshotBytes = 0;
        if (staging.byteSize() > 0) driver.freeHost(staging);
        staging = MemorySegment.NULL;
        for (MemorySegment e : List.of(start, computed, transferred)) driver.destroyEvent(e);
        for (MemorySegment e : profileEvents) driver.destroyEvent(e);
        profileEvents.clear();
    }
}
