package vitprobe.kernels.cuda;

import vitprobe.kernels.Matrix;

/**
 * A matrix in device memory. It may hold an fp32 copy, a bf16 copy or both; the backend tracks, in the order work
 * is recorded, which copies hold the current contents, and converts on the device when an operation needs the
 * other one. Buffers are allocated on first use and returned to the backend's pool on close.
 */
final class CudaMatrix implements Matrix {
    private final CudaBackend backend;
    private final int rows, cols;
    long f32, bf16; // device addresses, 0 while not allocated
    boolean f32Current, bf16Current; // neither: never written (contents undefined)
    private boolean closed;

    CudaMatrix(CudaBackend backend, int rows, int cols) {
        if (rows <= 0 || cols <= 0 || (long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " is empty or too large");
        }
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
    }

    CudaBackend backend() {
        return backend;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        backend.release(this);
    }
}
