package vitprobe.probe.data;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vitprobe.engine.extract.Sample;
import vitprobe.engine.extract.SampleSource;

/** A data set on disk whose samples fall into named splits, kept in the order they were found. */
abstract class SplitSource<T extends Sample> implements SampleSource {
    protected final Path root;
    protected final Map<String, List<T>> splits = new LinkedHashMap<>();

    SplitSource(Path root) {
        this.root = root;
    }

    @Override
    public List<String> splits() {
        return List.copyOf(splits.keySet());
    }

    @Override
    public List<T> samples(String split) {
        List<T> items = splits.get(split);
        if (items == null)
            throw new IllegalArgumentException(
                    root + ": no split '" + split + "' (splits: " + String.join(", ", splits.keySet()) + ")");
        return items;
    }
}
