package vitprobe.kernels.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * Opens the CUDA backend for a test. Without a usable GPU the test is skipped with the reason, unless the
 * environment variable VITPROBE_REQUIRE_GPU=1 is set (as on the GPU machine), where it fails instead.
 */
public final class GpuTests {
    private GpuTests() {}

    /**
     * Whether the tests run on the CPU emulator of src/test/cuda (a fake driver named by
     * -Dvitprobe.cuda.driver): it is thousands of times slower than a GPU, so tests use smaller cases there.
     */
    public static boolean emulated() {
        return System.getProperty(CudaDriver.LIBRARY_PROPERTY, "").contains("cudaemu");
    }

    public static boolean required() {
        return "1".equals(System.getenv("VITPROBE_REQUIRE_GPU"));
    }

    public static CudaBackend open(Precision precision) {
        try {
            return CudaBackend.open(precision);
        } catch (CudaUnavailableException e) {
            if (required()) throw new AssertionError("VITPROBE_REQUIRE_GPU=1 but " + e.getMessage(), e);
            Assumptions.abort("GPU test skipped: " + e.getMessage());
            throw e; // unreachable: abort throws
        }
    }

    /** Opens with a system property set for the backend's construction only (e.g. the fp32 GEMM variant). */
    public static CudaBackend open(Precision precision, String property, String value) {
        String before = System.getProperty(property);
        System.setProperty(property, value);
        try {
            return open(precision);
        } finally {
            if (before == null) System.clearProperty(property);
            else System.setProperty(property, before);
        }
    }

    /** ‖out − ref‖ / ‖ref‖ in double; NaN anywhere in out gives NaN (which fails every tolerance check). */
    public static double relativeError(float[] out, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) out[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    /** Tolerance of each precision against an fp32 (or float64) reference. */
    public static double tolerance(Precision p) {
        return switch (p) {
            case FP32 -> 1e-5;
            case TF32, BF16 -> 1e-2;
        };
    }
}
