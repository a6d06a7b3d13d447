package vitprobe.engine;

import java.util.Arrays;

/** A dense float32 tensor on the heap, row-major. */
public record FloatTensor(float[] data, int... shape) {
    public FloatTensor {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative size");
            try {
                n = Math.multiplyExact(n, s);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " is too large: its size overflows a long");
            }
        }
        if (n != data.length)
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
    }

    public long[] longShape() {
        return Arrays.stream(shape).asLongStream().toArray();
    }

    /** How many values are NaN or infinite. */
    public long nonFiniteCount() {
        long n = 0;
        for (float v : data) if (!Float.isFinite(v)) n++;
        return n;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
