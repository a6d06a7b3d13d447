package vitprobe.engine.extract;

import java.util.Locale;

/** How stored features are rounded: float32 as computed, or IEEE half precision (half the disk). */
public enum Precision {
    F32, F16;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Precision byKey(String key) {
        for (Precision p : values()) if (p.key().equals(key.trim().toLowerCase(Locale.ROOT))) return p;
        throw new IllegalArgumentException("unknown precision '" + key + "' (known: f32, f16)");
    }
}
