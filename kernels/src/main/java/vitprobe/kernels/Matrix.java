package vitprobe.kernels;

/**
 * A row-major float32 matrix owned by a backend (host memory for the CPU backend, device memory for CUDA).
 * Activations of a ViT are [batch * tokens, width] matrices. Closing releases the memory.
 */
public interface Matrix extends AutoCloseable {
    int rows();

    int cols();

    default long size() {
        return (long) rows() * cols();
    }

    @Override
    void close();
}
