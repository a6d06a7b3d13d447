package vitprobe.engine.extract;

import java.util.Locale;
import vitprobe.engine.ImageInputs;
import vitprobe.engine.image.ImageTransform;
import vitprobe.weights.ViTConfig;

/** What one stored sample is: an image's [CLS] token, or patch tokens with their own labels. */
public enum Task {
    /** One sample per image: the [CLS] token with the image's labels; evaluation transform (resize 256, crop 224). */
    CLASSIFICATION("cls"),
    /**
     * Samples are patch tokens with patch labels. The whole image is resized to the model's input size without a
     * crop, so that masks cover the token grid completely.
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

    public ImageTransform transform(ViTConfig c) {
        ImageTransform eval = ImageInputs.transformFor(c);
        return this == CLASSIFICATION
                ? eval
                : new ImageTransform(c.imageSize(), c.imageSize(), eval.interpolation(), eval.mean(), eval.std());
    }

    public static Task byKey(String key) {
        for (Task t : values()) if (t.key().equals(key.trim().toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("unknown task '" + key + "' (known: classification, segmentation)");
    }
}
