package vitprobe.engine.extract;

import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;

import java.nio.file.Path;
import java.util.List;

/** Runs the extraction of {@link ExtractorResumeTest} in its own JVM, so that the test can kill it mid-run. */
public final class ExtractChild {
    static final int TRAIN = 24, TEST = 8, SHARD = 4, BATCH = 2;

    public static void main(String[] args) throws Exception {
        run(Path.of(args[0]), Long.parseLong(args[1]));
    }

    /**
     * Stores F16, as a real run would. With F32 the resumed shards can differ in the last bit: the CPU kernels'
     * vector reductions and exp round differently before and after the JIT compiles them, and a resumed run
     * computes those shards in a cold JVM.
     */
    static Extractor.Result run(Path out, long readDelayMillis) throws Exception {
        TestSource source = TestSource.of(5, TRAIN, TEST, List.of("train/img9.png"), List.of(), readDelayMillis);
        ExtractOptions options = new ExtractOptions(Task.SEGMENTATION, 1, Intermediate.PAPER, Precision.F16, SHARD,
                new PatchSelection(5, 3));
        try (VisionTransformer vit = TinyModel.create()) {
            return new Extractor(vit, "tiny", options, BATCH, 2, null).run(source, out);
        }
    }
}
