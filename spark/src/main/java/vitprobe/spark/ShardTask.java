package vitprobe.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Extractor;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.SampleSource;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.weights.ViTWeights;

/**
 * A task writing one shard on an executor. The model is opened once per executor JVM and kept for the next tasks of
 * the same spec; one shard is extracted at a time, as the forward already uses every core (or the GPU) it is given.
 */
final class ShardTask {
    /**
     * Tests' fault injection: a task-local property naming a shard ("split/index") whose first attempt fails after it
     * wrote its files, as a lost executor or a speculative duplicate leaves them.
     */
    static final String FAIL_FIRST_ATTEMPT = "vitprobe.test.failFirstAttempt";

    private static Opened opened;

    private ShardTask() {}

    static synchronized void write(ExtractionSpec spec, Extractor.Shard shard, String out) throws IOException {
        TaskContext task = TaskContext.get();
        String device = device(task, spec.device());
        if (opened == null || !opened.spec.equals(spec) || !opened.device.equals(device)) {
            if (opened != null) opened.close();
            opened = null;
            opened = Opened.of(spec, device);
        }
        opened.extractor.extract(opened.source, List.of(shard), Path.of(out));
        if (task != null
                && task.attemptNumber() == 0
                && (shard.split() + "/" + shard.index()).equals(task.getLocalProperty(FAIL_FIRST_ATTEMPT))) {
            throw new IllegalStateException("injected failure of the first attempt at shard " + shard);
        }
    }

    /**
     * The GPU Spark gave the task (spark.task.resource.gpu.amount), as the CUDA device of that ordinal; else the
     * spec's device.
     */
    static String device(TaskContext task, String device) {
        ResourceInformation gpu = task == null ? null : task.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? device : "cuda:" + gpu.addresses()[0];
    }

    /** The model and data set a spec names, open on this executor. */
    private record Opened(
            ExtractionSpec spec,
            String device,
            ViTWeights weights,
            Backend backend,
            VisionTransformer vit,
            SampleSource source,
            Extractor extractor) {
        static Opened of(ExtractionSpec spec, String device) {
            ViTWeights weights = spec.loadWeights();
            Backend backend = Backends.create(device, spec.precision());
            if (!backend.numerics().equals(spec.numerics())) {
                backend.close();
                weights.close();
                throw new IllegalStateException("this executor computes with " + backend.numerics() + ", the driver "
                        + "with " + spec.numerics() + ": the shards would differ; give every machine the same device");
            }
            VisionTransformer vit = new VisionTransformer(
                    weights, backend, spec.options().input().posResample(weights.config()));
            ModelId id = ModelId.of(spec.model(), spec.seed(), weights);
            Extractor extractor = new Extractor(vit, id, spec.options(), spec.batch(), spec.decodeThreads(), null);
            return new Opened(spec, device, weights, backend, vit, spec.openSource(), extractor);
        }

        void close() {
            vit.close();
            backend.close();
            weights.close();
        }
    }
}
