package vitprobe.weights;

/** Element types of the safetensors format, with their size in bytes. */
public enum DType {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    F8_E4M3(1),
    F8_E5M2(1),
    I64(8),
    I32(4),
    I16(2),
    I8(1),
    U64(8),
    U32(4),
    U16(2),
    U8(1),
    BOOL(1);

    private final int size;

    DType(int size) {
        this.size = size;
    }

    public int size() {
        return size;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The lower-case name used in flags, configs and manifests ("f16"). */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The dtype for a lower-case name, or an exception listing the known ones. */
    public static DType byKey(String key) {
        for (DType d : values()) if (d.key().equals(key.trim().toLowerCase(java.util.Locale.ROOT))) return d;
        throw new IllegalArgumentException("unknown dtype '" + key + "'");
    }

    /** The dtype for a header name, or null when the name is not a safetensors dtype. */
    public static DType byName(String name) {
        for (DType d : values()) if (d.name().equals(name)) return d;
        return null;
    }
}
