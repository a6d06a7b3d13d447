package vitprobe.kernels;

/** A linear layer's weight [out, in] and bias [out], prepared once in the backend's preferred layout. */
public interface LinearWeights extends AutoCloseable {
    int inFeatures();

    int outFeatures();

    @Override
    void close();
}
