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
 * A task writing one shard on an executor. The model is opened once per executor JVM and shared by its tasks of the
 * same spec: one task's images decode while another's forward runs (the extractor runs one forward at a time, which
 * already uses every core it is given, or the GPU).
 */
final class ShardTask {
    /**
     * Tests' fault injection: a task-local property naming a shard ("split/index") whose first attempt fails after it
     * wrote its files, as a lost executor or a speculative duplicate leaves them.
     */
    static final String FAIL_FIRST_ATTEMPT = "vitprobe.test.failFirstAttempt";

    private static Opened opened;

    private ShardTask() {}

    static void write(ExtractionSpec spec, Extractor.Shard shard, String out) throws IOException {
        TaskContext task = TaskContext.get();
        try {
            Opened model = acquire(spec, device(task, spec.device()));
            try {
                model.extractor.extract(model.source, List.of(shard), Path.of(out));
            } finally {
                release(model);
            }
        } catch (OutOfMemoryError e) { // opening the model or extracting
            throw TaskMemory.outOfMemory(e);
        }
        if (task != null
                && task.attemptNumber() == 0
                && (shard.split() + "/" + shard.index()).equals(task.getLocalProperty(FAIL_FIRST_ATTEMPT))) {
            throw new IllegalStateException("injected failure of the first attempt at shard " + shard);
        }
    }

    /** Whether this JVM holds a model open (for the tests). */
    static synchronized boolean holdsModel() {
        return opened != null;
    }

    /** The open model of this spec and device; another one is closed once no task uses it. */
    private static synchronized Opened acquire(ExtractionSpec spec, String device) {
        while (opened != null && !opened.serves(spec, device) && opened.users > 0) {
            try {
                ShardTask.class.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the model", e);
            }
        }
        if (opened == null || !opened.serves(spec, device)) {
            if (opened != null) opened.close();
            opened = null;
            opened = new Opened(spec, device);
        }
        opened.users++;
        return opened;
    }

    private static synchronized void release(Opened model) {
        model.users--;
        ShardTask.class.notifyAll();
    }

    /**
     * Closes the model no task uses, once the job is done (the driver calls it; in local mode its tasks ran in this
     * JVM). An executor of a cluster keeps its model until a task of another spec replaces it or the executor ends.
     */
    static synchronized void closeIdle() {
        if (opened == null || opened.users > 0) return;
        opened.close();
        opened = null;
    }

    /**
     * The GPU Spark gave the task (spark.task.resource.gpu.amount), as the CUDA device of that ordinal; else the
     * spec's device.
     */
    static String device(TaskContext task, String device) {
        ResourceInformation gpu = task == null ? null : task.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? device : "cuda:" + gpu.addresses()[0];
    }

    /** The model and data set a spec names, open on this executor, and how many tasks use them. */
    private static final class Opened {
        final ExtractionSpec spec;
        final String device;
        final ViTWeights weights;
        final Backend backend;
        final VisionTransformer vit;
        final SampleSource source;
        final Extractor extractor;
        int users;

        Opened(ExtractionSpec spec, String device) {
            this.spec = spec;
            this.device = device;
            weights = spec.loadWeights();
            backend = Backends.create(device, spec.precision());
            if (!backend.numerics().equals(spec.numerics())) {
                backend.close();
                weights.close();
                throw new IllegalStateException("this executor computes with " + backend.numerics() + ", the driver "
                        + "with " + spec.numerics() + ": the shards would differ; give every machine the same device");
            }
            vit = new VisionTransformer(weights, backend, spec.options().input().posResample(weights.config()));
            source = spec.openSource();
            ModelId id = ModelId.of(spec.model(), spec.seed(), weights);
            extractor = new Extractor(vit, id, spec.options(), spec.batch(), spec.decodeThreads(), null);
        }

        boolean serves(ExtractionSpec spec, String device) {
            return this.spec.equals(spec) && this.device.equals(device);
        }

        void close() {
            vit.close();
            backend.close();
            weights.close();
        }
    }
}
