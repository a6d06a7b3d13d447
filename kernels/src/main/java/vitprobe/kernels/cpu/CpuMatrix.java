package vitprobe.kernels.cpu;

import vitprobe.kernels.Matrix;

/** A matrix on the Java heap. */
public record CpuMatrix(float[] data, int rows, int cols) implements Matrix {
    public CpuMatrix {
        if ((long) rows * cols != data.length)
            throw new IllegalArgumentException(rows + "x" + cols + " matrix over " + data.length + " floats");
    }

    @Override
    public void close() {
        // Heap memory: the garbage collector reclaims it.
    }
}
