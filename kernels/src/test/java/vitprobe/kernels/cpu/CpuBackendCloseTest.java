package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import vitprobe.kernels.Activation;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.weights.Param;
import vitprobe.weights.Tensor;

/** A closed CPU backend refuses every operation, as the CUDA backend does, instead of computing on. */
class CpuBackendCloseTest {
    @Test
    void everyOperationAfterCloseFailsAndCloseTwiceDoesNothing() {
        CpuBackend cpu = new CpuBackend();
        Param w = Param.of(Tensor.ofFloats("w", new float[] {1, 2, 3, 4}, 2, 2));
        Param b = Param.of(Tensor.ofFloats("b", new float[] {0, 1}, 2));
        LinearWeights lin = cpu.linear(w, b);
        Matrix x = cpu.upload(new float[] {1, 1, 2, 2}, 2, 2), y = cpu.allocate(2, 2);
        cpu.linear(x, lin, y, Activation.NONE, null);
        float[] out = new float[4];
        cpu.download(y, out, 0);
        assertArrayEquals(new float[] {3, 8, 6, 15}, out);

        cpu.close();
        assertDoesNotThrow(cpu::close);
        Matrix one = new CpuMatrix(new float[2], 1, 2), qkv = new CpuMatrix(new float[6], 1, 6);
        List<Executable> ops = List.of(
                () -> cpu.allocate(1, 1),
                () -> cpu.upload(new float[1], 1, 1),
                () -> cpu.download(y, out, 0),
                () -> cpu.linear(w, b),
                () -> cpu.linear(x, lin, y, Activation.NONE, null),
                () -> cpu.patchify(x, 1, 1, 2, 2, 1, new CpuMatrix(new float[4], 4, 1)),
                () -> cpu.embedTokens(
                        one, one, new CpuMatrix(new float[4], 2, 2), 1, new CpuMatrix(new float[4], 2, 2)),
                () -> cpu.layerNorm(x, one, one, 1e-6f, y),
                () -> cpu.attention(qkv, 1, 1, 1, one, null),
                () -> cpu.add(x, x, y),
                () -> cpu.copyColumns(x, 0, y));
        for (Executable op : ops) {
            IllegalStateException e = assertThrows(IllegalStateException.class, op);
            assertEquals("CPU backend used after close", e.getMessage());
        }
    }
}
