package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import vitprobe.kernels.Activation;
import vitprobe.kernels.Backend;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.weights.Param;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Forwards of one model on several threads at once, at more input sizes than the cache of position embeddings holds:
 * no exception, the same bits as one thread alone, and no table released while a forward still uses it.
 */
class ConcurrentForwardTest {
    private static final ViTConfig CONFIG = ViTConfig.vit(64, 2, 2, 8);
    private static final int SIZES = VisionTransformer.CACHED_GRIDS + 26, THREADS = 4, ROUNDS = 2;
    private static final Capture CAPTURE = Capture.of(1, EnumSet.of(Intermediate.Y_NORM, Intermediate.K));

    @Test
    void threadsAtManySizesGiveTheBitsOfOneThread() throws Exception {
        try (ViTWeights w = ViTWeights.random(CONFIG, 7);
                Backend cpu = new CpuBackend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            runAndCompare(vit, references(w));
            assertEquals(VisionTransformer.CACHED_GRIDS, vit.cachedGrids());
        }
    }

    /**
     * A backend that, as CUDA does, keeps a forward's work queued until {@code synchronize()}: a matrix closed before
     * the thread that used it synchronizes is an error. The forwards do not take turns here, so evictions by other
     * threads happen while tables are in use.
     */
    @Test
    void anEvictedTableIsReleasedOnlyAfterTheForwardsUsingItAndNoneIsLeft() throws Exception {
        try (ViTWeights w = ViTWeights.random(CONFIG, 7)) {
            float[][] ref = references(w);
            QueueCheckingBackend checking = new QueueCheckingBackend();
            VisionTransformer vit = new VisionTransformer(w, checking, PosResample.of(CONFIG.format()));
            runAndCompare(vit, ref);
            vit.close();
            assertEquals(Set.of(), checking.open.keySet(), "matrices left open after close");
            checking.close();
        }
    }

    /**
     * One forward held inside while the other thread runs more sizes than the cache holds: its table is evicted
     * meanwhile, and must stay usable until that forward ends, then be released.
     */
    @Test
    void aTableEvictedDuringAForwardStaysUntilTheForwardEnds() throws Exception {
        try (ViTWeights w = ViTWeights.random(CONFIG, 7)) {
            float[][] ref = references(w);
            QueueCheckingBackend checking = new QueueCheckingBackend();
            VisionTransformer vit = new VisionTransformer(w, checking, PosResample.of(CONFIG.format()));
            int slow = SIZES - 1;
            checking.holdTokens = 1 + (slow + 1); // [CLS] and a 1 x (slow + 1) grid
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<float[]> held = pool.submit(() -> result(vit.forward(input(slow), CAPTURE)));
                assertTrue(checking.held.await(1, TimeUnit.MINUTES), "the held forward started");
                checking.holdTokens = -1;
                for (int k = 0; k <= VisionTransformer.CACHED_GRIDS; k++) vit.forward(input(k), CAPTURE);
                assertEquals(VisionTransformer.CACHED_GRIDS, vit.cachedGrids());
                checking.go.countDown();
                assertArrayEquals(ref[slow], held.get(1, TimeUnit.MINUTES));
            } finally {
                checking.go.countDown();
                pool.shutdownNow();
            }
            vit.close();
            assertEquals(Set.of(), checking.open.keySet(), "matrices left open after close");
        }
    }

    private static FloatTensor input(int k) {
        Random r = new Random(k);
        float[] d = new float[3 * 8 * 8 * (k + 1)];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return new FloatTensor(d, 1, 3, 8, 8 * (k + 1));
    }

    private static float[] result(Activations a) {
        float[] y = a.get(1, Intermediate.Y_NORM).data(),
                k = a.get(1, Intermediate.K).data();
        float[] both = new float[y.length + k.length];
        System.arraycopy(y, 0, both, 0, y.length);
        System.arraycopy(k, 0, both, y.length, k.length);
        return both;
    }

    private static float[][] references(ViTWeights w) {
        float[][] ref = new float[SIZES][];
        try (Backend cpu = new CpuBackend();
                VisionTransformer one = new VisionTransformer(w, cpu)) {
            for (int k = 0; k < SIZES; k++) ref[k] = result(one.forward(input(k), CAPTURE));
        }
        return ref;
    }

    private static void runAndCompare(VisionTransformer vit, float[][] ref) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int start = t * 37;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int n = 0; n < SIZES; n++) {
                            int k = (start + n) % SIZES;
                            assertArrayEquals(ref[k], result(vit.forward(input(k), CAPTURE)), "size " + k);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(5, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The CPU backend behind matrices that remember being closed; see the test above. */
    private static final class QueueCheckingBackend implements Backend {
        private final CpuBackend cpu = new CpuBackend();
        final ConcurrentHashMap<Checked, Boolean> open = new ConcurrentHashMap<>();
        private final ThreadLocal<List<Checked>> queued = ThreadLocal.withInitial(ArrayList::new);

        @Override
        public boolean concurrent() {
            return true;
        }

        private final class Checked implements Matrix {
            final Matrix inner;
            final AtomicBoolean closed = new AtomicBoolean();
            volatile Thread closedBy;

            Checked(Matrix inner) {
                this.inner = inner;
                open.put(this, true);
            }

            @Override
            public int rows() {
                return inner.rows();
            }

            @Override
            public int cols() {
                return inner.cols();
            }

            @Override
            public void close() {
                if (!closed.compareAndSet(false, true)) throw new IllegalStateException("matrix closed twice");
                closedBy = Thread.currentThread();
                open.remove(this);
            }
        }

        private Matrix use(Matrix m) {
            if (m == null) return null;
            Checked c = (Checked) m;
            if (c.closed.get()) throw new IllegalStateException("matrix used after close");
            queued.get().add(c);
            return c.inner;
        }

        @Override
        public String name() {
            return "checking " + cpu.name();
        }

        @Override
        public Matrix allocate(int rows, int cols) {
            return new Checked(cpu.allocate(rows, cols));
        }

        @Override
        public Matrix upload(float[] data, int rows, int cols) {
            return new Checked(cpu.upload(data, rows, cols));
        }

        @Override
        public void download(Matrix src, float[] dst, int offset) {
            cpu.download(use(src), dst, offset);
        }

        @Override
        public LinearWeights linear(Param weight, Param bias) {
            return cpu.linear(weight, bias);
        }

        @Override
        public void linear(Matrix in, LinearWeights w, Matrix out, Activation act, Matrix residual) {
            cpu.linear(use(in), w, use(out), act, use(residual));
        }

        @Override
        public void patchify(Matrix images, int batch, int channels, int height, int width, int patch, Matrix out) {
            cpu.patchify(use(images), batch, channels, height, width, patch, use(out));
        }

        /** A forward whose table has this many rows waits in {@link #embedTokens} until {@link #go}. */
        volatile int holdTokens = -1;

        final CountDownLatch held = new CountDownLatch(1), go = new CountDownLatch(1);

        @Override
        public void embedTokens(Matrix patchEmbeddings, Matrix cls, Matrix pos, int batch, Matrix out) {
            if (pos.rows() == holdTokens) {
                held.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            cpu.embedTokens(use(patchEmbeddings), use(cls), use(pos), batch, use(out));
        }

        @Override
        public void layerNorm(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out) {
            cpu.layerNorm(use(in), use(weight), use(bias), eps, use(out));
        }

        @Override
        public void attention(Matrix qkv, int batch, int tokens, int heads, Matrix context, Matrix probabilities) {
            cpu.attention(use(qkv), batch, tokens, heads, use(context), use(probabilities));
        }

        @Override
        public void add(Matrix a, Matrix b, Matrix out) {
            cpu.add(use(a), use(b), use(out));
        }

        @Override
        public void copyColumns(Matrix src, int from, Matrix out) {
            cpu.copyColumns(use(src), from, use(out));
        }

        /**
         * The work this thread queued is done: nothing it used may have been closed by another thread meanwhile (a
         * forward closes its own buffers just before it synchronizes, which a queue allows).
         */
        @Override
        public void synchronize() {
            List<Checked> used = queued.get();
            for (Checked c : used) {
                Thread by = c.closedBy;
                if (by != null && by != Thread.currentThread())
                    throw new IllegalStateException("another thread closed a matrix this forward's queued work used");
            }
            used.clear();
        }

        @Override
        public void close() {
            cpu.close();
        }
    }
}
