package vitprobe.kernels;

/** Element-wise function fused into the end of a linear layer. */
public enum Activation {
    NONE,
    /** The exact GELU, x·Φ(x) with the Gaussian CDF (not the tanh approximation). */
    GELU
}
