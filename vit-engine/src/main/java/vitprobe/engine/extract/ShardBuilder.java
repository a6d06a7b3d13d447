package vitprobe.engine.extract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vitprobe.engine.Intermediate;
import vitprobe.io.Json;
import vitprobe.weights.DType;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.ViTConfig;

/** The samples of one shard as they come out of the forward passes, written as one file per token type. */
final class ShardBuilder {
    private final Map<Intermediate, List<float[]>> features = new EnumMap<>(Intermediate.class);
    private final ByteArrayOutputStream labels = new ByteArrayOutputStream();
    private final List<Long> groups = new ArrayList<>();
    private final List<Long> patches = new ArrayList<>();
    private final List<List<Object>> images = new ArrayList<>();
    private final List<List<Object>> skipped = new ArrayList<>();

    /** Adds one sample: its features per token type, its labels, the image it comes from and (patches) where. */
    void add(Map<Intermediate, float[]> row, byte[] sampleLabels, long image, int patch) {
        row.forEach((token, f) ->
                features.computeIfAbsent(token, t -> new ArrayList<>()).add(f));
        labels.writeBytes(sampleLabels);
        groups.add(image);
        patches.add((long) patch);
    }

    void image(long index, String id) {
        images.add(List.of(index, id));
    }

    void skip(long index, String id, String problem) {
        skipped.add(List.of(index, id, problem));
    }

    int samples() {
        return groups.size();
    }

    /** Writes the file of one token type (atomically). */
    void write(Path file, Intermediate token, Header header) throws IOException {
        int n = groups.size(), c = header.concepts.size(), width = token.width(header.config);
        float[] data = new float[n * width];
        List<float[]> rows = features.getOrDefault(token, List.of());
        for (int i = 0; i < n; i++) System.arraycopy(rows.get(i), 0, data, i * width, width);
        long[] shape = {n, width};
        SafetensorsWriter w = new SafetensorsWriter();
        if (header.dtype == DType.F16) w.addF16("features", shape, data);
        else w.addF32("features", shape, data);
        ConceptLabels.ofDense(labels.toByteArray(), n, c, null).write(w);
        w.addI64(
                "groups",
                new long[] {n},
                groups.stream().mapToLong(Long::longValue).toArray());
        if (header.task == Task.SEGMENTATION)
            w.addI64(
                    "patches",
                    new long[] {n},
                    patches.stream().mapToLong(Long::longValue).toArray());
        if (header.categories != null) {
            w.addI64("categories", new long[] {c}, header.categories);
            w.metadata("categories_names", Json.write(header.categoryNames));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("concepts", Json.write(header.concepts));
        meta.put("tokens", header.task.tokens());
        meta.put("token_type", token.key());
        meta.put("block", Integer.toString(header.block));
        meta.put("model", header.model);
        meta.put("split", header.split);
        meta.put("images", Json.write(images));
        meta.put("skipped", Json.write(skipped));
        meta.forEach(w::metadata);
        w.write(file);
    }

    /** What every shard file of a run repeats. */
    record Header(
            Task task,
            DType dtype,
            int block,
            String model,
            String split,
            ViTConfig config,
            List<String> concepts,
            long[] categories,
            List<String> categoryNames) {}
}
