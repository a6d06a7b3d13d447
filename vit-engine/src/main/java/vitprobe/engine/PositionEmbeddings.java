package vitprobe.engine;

/**
 * A checkpoint's position embeddings [1 + G·G, D] (the [CLS] entry, then its own G × G grid row-major) for an input
 * of any patch grid: the stored table at G × G, otherwise the grid part resampled with {@link PosResample}'s
 * kernel, computed in double and rounded to float once, and the [CLS] entry kept.
 */
final class PositionEmbeddings {
    private final float[] stored;
    private final int side, dim;
    private final PosResample rule;

    PositionEmbeddings(float[] stored, int side, int dim, PosResample rule) {
        if (stored.length != (side * side + 1) * dim) {
            throw new IllegalArgumentException("position embeddings hold " + stored.length + " values, not (1 + " + side
                    + "x" + side + ") x " + dim);
        }
        this.stored = stored;
        this.side = side;
        this.dim = dim;
        this.rule = rule;
    }

    PosResample rule() {
        return rule;
    }

    boolean isStored(TokenGrid grid) {
        return grid.rows() == side && grid.columns() == side;
    }

    /** The table for {@code grid}, [1 + rows·columns, D]. */
    float[] forGrid(TokenGrid grid) {
        if (isStored(grid)) return stored.clone();
        double[] own = new double[side * side * dim];
        for (int i = 0; i < own.length; i++) own[i] = stored[dim + i];
        double[] resampled = BicubicResampler.resize(own, side, side, dim, grid.rows(), grid.columns(), rule.kernel());
        float[] out = new float[grid.tokens() * dim];
        System.arraycopy(stored, 0, out, 0, dim);
        for (int i = 0; i < resampled.length; i++) out[dim + i] = (float) resampled[i];
        return out;
    }
}
