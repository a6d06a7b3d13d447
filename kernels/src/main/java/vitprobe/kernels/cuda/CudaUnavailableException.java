package vitprobe.kernels.cuda;

/**
 * The CUDA backend cannot run here: no driver library, no device, or a build without kernels. The message is one
 * line meant for the user.
 */
public final class CudaUnavailableException extends CudaException {
    public CudaUnavailableException(String message) {
        super(message);
    }
}
