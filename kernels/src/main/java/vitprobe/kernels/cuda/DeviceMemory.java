package vitprobe.kernels.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A caching allocator for device memory. Freed blocks are kept for reuse (a forward allocates and frees the same
 * shapes every time), and reuse always takes the lowest free address of a size: the same sequence of requests then
 * gets the same addresses, which is what lets a captured CUDA graph be replayed. A block freed while recorded work
 * may still use it returns to the pool only after that work has run ({@link #recycle}); until then no new request
 * can receive it. Everything is returned to the driver on close.
 */
final class DeviceMemory implements AutoCloseable {
    private static final long GRANULE = 512;

    private final CudaDriver driver;
    private final Map<Long, Long> sizes = new HashMap<>(); // every block we own -> its size
    private final Map<Long, TreeSet<Long>> free = new HashMap<>(); // size -> free blocks
    private final List<Long> released = new ArrayList<>(); // freed since the last recycle
    private long owned;

    DeviceMemory(CudaDriver driver) {
        this.driver = driver;
    }

    long allocate(long bytes) {
        long size = Math.max(GRANULE, (bytes + GRANULE - 1) / GRANULE * GRANULE);
        TreeSet<Long> blocks = free.get(size);
        if (blocks != null && !blocks.isEmpty()) return blocks.pollFirst();
        long pointer = driver.allocate(size);
        sizes.put(pointer, size);
        owned += size;
        return pointer;
    }

    /** Gives a block back; it becomes reusable at the next {@link #recycle}. */
    void release(long pointer) {
        if (!sizes.containsKey(pointer))
            throw new IllegalStateException("device block " + Long.toHexString(pointer) + " is not ours");
        released.add(pointer);
    }

    /** Called once recorded work has completed: blocks released before it may now be handed out again. */
    void recycle() {
        for (long p : released)
            free.computeIfAbsent(sizes.get(p), s -> new TreeSet<>()).add(p);
        released.clear();
    }

    /** Bytes held from the driver (in use or cached). */
    long ownedBytes() {
        return owned;
    }

    @Override
    public void close() {
        for (long p : sizes.keySet()) driver.free(p);
        sizes.clear();
        free.clear();
        released.clear();
        owned = 0;
    }
}
