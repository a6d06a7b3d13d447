package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import vitprobe.kernels.Matrix;

/**
 * The attention scratch of every thread that used a backend (packed keys and values, a block's scores) is let go
 * when the backend is closed, while those threads live on: a server's pool threads outlive the backends they used.
 */
class CpuBackendScratchTest {
    private static final int BATCH = 2, TOKENS = 65, HEADS = 2, DIM = 32;

    @Test
    void closingLetsGoOfEveryThreadsScratch() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<WeakReference<float[]>> scratch = attendOnEveryThread(pool);
            assertFalse(scratch.isEmpty());
            for (WeakReference<float[]> s : scratch) {
                assertTrue(Gc.collected(s), "a closed backend's scratch is still held");
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Runs attention on each pool thread, closes the backend and returns its threads' scratch arrays. */
    private static List<WeakReference<float[]>> attendOnEveryThread(ExecutorService pool) throws Exception {
        CpuBackend cpu = new CpuBackend();
        float[] qkv = new float[BATCH * TOKENS * 3 * DIM];
        Random random = new Random(7);
        for (int i = 0; i < qkv.length; i++) qkv[i] = random.nextFloat() - 0.5f;
        List<Future<List<float[]>>> used = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            used.add(pool.submit(() -> {
                Matrix in = cpu.upload(qkv, BATCH * TOKENS, 3 * DIM), ctx = cpu.allocate(BATCH * TOKENS, DIM);
                cpu.attention(in, BATCH, TOKENS, HEADS, ctx, null);
                return List.of(cpu.threadScratch());
            }));
        }
        List<WeakReference<float[]>> refs = new ArrayList<>();
        for (Future<List<float[]>> f : used) {
            for (float[] s : f.get()) if (s.length > 0) refs.add(new WeakReference<>(s));
        }
        cpu.close();
        return refs;
    }
}
