package vitprobe.weights;

import java.util.List;

/**
 * One model parameter in canonical form. Usually a single tensor; a fused parameter assembled from separate
 * checkpoint tensors (Hugging Face's query/key/value into timm's qkv) is the concatenation of its parts along
 * the first axis, materialised only when a backend asks for the values.
 */
public record Param(String name, long[] shape, List<Tensor> parts) {
    public static Param of(Tensor t) {
        return new Param(t.name(), t.shape(), List.of(t));
    }

    public static Param concat(String name, List<Tensor> parts) {
        long[] shape = parts.getFirst().shape().clone();
        for (int i = 1; i < parts.size(); i++) shape[0] += parts.get(i).shape()[0];
        return new Param(name, shape, List.copyOf(parts));
    }

    public DType dtype() {
        return parts.getFirst().dtype();
    }

    public long elementCount() {
        return Tensor.product(shape);
    }

    public float[] toFloatArray() {
        if (parts.size() == 1) return parts.getFirst().toFloatArray();
        float[] out = new float[Math.toIntExact(elementCount())];
        int at = 0;
        for (Tensor t : parts) {
            float[] p = t.toFloatArray();
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
