package vitprobe.engine.extract;

import java.nio.file.Path;
import java.util.List;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.weights.DType;

/** Runs the extraction of {@link ExtractorResumeTest} in its own JVM, so that the test can kill it mid-run. */
public final class ExtractChild {
    static final int TRAIN = 24, TEST = 8, SHARD = 4, BATCH = 2;

    public static void main(String[] args) throws Exception {
        run(Path.of(args[0]), Long.parseLong(args[1]));
    }

    /**
     * Stores F32, so that any last-bit difference between a cold (resumed) JVM and a warm one would show: the CPU
     * kernels avoid JIT-dependent vector reductions and exp for exactly this reason.
     */
    static Extractor.Result run(Path out, long readDelayMillis) throws Exception {
        TestSource source = TestSource.of(5, TRAIN, TEST, List.of("train/img9.png"), List.of(), readDelayMillis);
        ExtractOptions options = new ExtractOptions(
                Task.SEGMENTATION, 1, Intermediate.PAPER, DType.F32, SHARD, new PatchSelection(5, 3));
        try (VisionTransformer vit = TinyModel.create()) {
            return new Extractor(vit, new ModelId("tiny", null), options, BATCH, 2, null).run(source, out);
        }
    }
}
