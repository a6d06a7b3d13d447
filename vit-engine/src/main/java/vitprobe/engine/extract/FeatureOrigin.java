package vitprobe.engine.extract;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import vitprobe.weights.SafetensorsException;

/**
 * Where features come from, as every shard of an extraction records it in its metadata: the intermediate
 * ("token_type": q, k, y_norm, ...), the 0-based "block" and the "model" reference. Each is null when a file does
 * not say (probe files of other tools, templates saved before they recorded it).
 */
public record FeatureOrigin(String tokenType, Integer block, String model) implements java.io.Serializable {
    public static final FeatureOrigin UNKNOWN = new FeatureOrigin(null, null, null);

    /** The origin a file's metadata records; a block that is not a whole number is an error naming the file. */
    public static FeatureOrigin fromMetadata(Path file, Map<String, String> meta) {
        String block = meta.get("block");
        try {
            return new FeatureOrigin(
                    meta.get("token_type"), block == null ? null : Integer.valueOf(block.trim()), meta.get("model"));
        } catch (NumberFormatException e) {
            throw new SafetensorsException(file, null, "metadata 'block' is not a block number: '" + block + "'");
        }
    }

    /** The metadata entries of what is known, in the order the shards write them. */
    public Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        if (tokenType != null) meta.put("token_type", tokenType);
        if (block != null) meta.put("block", block.toString());
        if (model != null) meta.put("model", model);
        return meta;
    }
}
