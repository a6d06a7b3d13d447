package vitprobe.engine.extract;

import java.util.List;

/** A labelled image data set split into named parts (e.g. train and test), as the extraction pipeline reads it. */
public interface SampleSource {
    /** What and where the data set is, for the manifest and progress lines. */
    String description();

    Concepts concepts();

    /** The split names in a fixed order. */
    List<String> splits();

    /** The samples of one split in a fixed order: their positions are the image ids stored with the features. */
    List<? extends Sample> samples(String split);
}
