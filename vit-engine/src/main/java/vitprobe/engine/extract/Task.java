package vitprobe.engine.extract;

import java.util.Locale;
import vitprobe.engine.InputResolution;
import vitprobe.engine.image.ImageTransform;
import vitprobe.weights.ViTConfig;

/** What one stored sample is: an image's [CLS] token, or patch tokens with their own labels. */
public enum Task {
    /**
     * One sample per image: the [CLS] token with the image's labels; evaluation transform (at 224: resize 256,
     * crop 224).
     */
    CLASSIFICATION("cls"),
    /**
     * Samples are patch tokens with patch labels. The image is resized to cover the model's input size and only
     * what overhangs it is cropped (nothing with a kept aspect ratio).
     */
    SEGMENTATION("patch");

    private final String tokens;

    Task(String tokens) {
        this.tokens = tokens;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What a sample is, as the probe files name it ("cls" or "patch"). */
    public String tokens() {
        return tokens;
    }

    public ImageTransform transform(ViTConfig c, InputResolution input) {
        return this == CLASSIFICATION ? input.evaluation(c) : input.whole(c);
    }

    public static Task byKey(String key) {
        for (Task t : values()) if (t.key().equals(key.trim().toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("unknown task '" + key + "' (known: classification, segmentation)");
    }
}
