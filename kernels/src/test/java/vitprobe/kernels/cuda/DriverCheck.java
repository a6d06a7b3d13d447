package vitprobe.kernels.cuda;

/**
 * The first step of bench/gpu-check.sh: prints the driver's CUDA version against the one the kernels need, then
 * opens a backend and loads the kernel modules twice more, timed. From the fatbins' sm_90 SASS a load takes
 * milliseconds; seconds mean the driver JIT-compiled their PTX (not an sm_90 card, or the SASS was refused). Exits 1
 * with one line when the driver or the device cannot run the kernels.
 */
public final class DriverCheck {
    private DriverCheck() {}

    public static void main(String[] args) {
        try {
            CudaDriver driver = CudaDriver.get();
            int version = driver.driverVersion(), needed = KernelLibrary.toolkitVersion();
            System.out.printf(
                    "driver: CUDA %s (cuDriverGetVersion %d); the kernels (nvcc %s) need CUDA %s or newer%n",
                    KernelLibrary.cudaVersion(version),
                    version,
                    KernelLibrary.cudaVersion(needed),
                    KernelLibrary.cudaVersion(needed));
            long start = System.nanoTime();
            try (CudaBackend gpu = CudaBackend.open(Precision.FP32)) {
                System.out.printf("backend: %s, opened in %.0f ms%n", gpu.name(), (System.nanoTime() - start) / 1e6);
                for (int load = 1; load <= 2; load++) {
                    long t0 = System.nanoTime();
                    new KernelLibrary(driver).close();
                    double ms = (System.nanoTime() - t0) / 1e6;
                    System.out.printf(
                            "kernel modules, load %d: %.0f ms%s%n",
                            load, ms, ms > 1000 ? " (JIT-compiled from PTX: the sm_90 SASS was not used)" : "");
                }
            }
        } catch (CudaUnavailableException e) {
            System.out.println("gpu-check: " + e.getMessage());
            System.exit(1);
        }
    }
}
