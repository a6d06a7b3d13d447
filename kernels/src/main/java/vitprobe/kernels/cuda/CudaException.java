package vitprobe.kernels.cuda;

/** A CUDA driver call failed; the message names the call, the error code's name and the driver's description. */
public class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }
}
