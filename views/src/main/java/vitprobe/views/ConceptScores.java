package vitprobe.views;

/**
 * One concept's template applied to one image: its score on every patch of the image's patch grid (patch
 * templates), or on the [CLS] token as a 1×1 map over the whole picture ([CLS] templates).
 *
 * @param area the share of the picture's pixels where the bilinearly upsampled score passes the threshold (for a
 *     [CLS] template 1 when it fires, else 0)
 */
public record ConceptScores(String concept, float threshold, PatchMap scores, double area) {
    /** Per patch, row-major, whether the template fires there: its score passes the threshold, as the probe decides. */
    public boolean[] decisions() {
        boolean[] fires = new boolean[scores.values().length];
        for (int p = 0; p < fires.length; p++) fires[p] = scores.values()[p] > threshold;
        return fires;
    }

    /** Whether the template fires on some patch (on the [CLS] token for [CLS] templates). */
    public boolean fires() {
        for (float s : scores.values()) if (s > threshold) return true;
        return false;
    }

    public float meanScore() {
        double sum = 0;
        for (float s : scores.values()) sum += s;
        return (float) (sum / scores.values().length);
    }

    /** How far the highest score passes the threshold (negative when the template does not fire). */
    public float margin() {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores.values()) max = Math.max(max, s);
        return max - threshold;
    }

    /** The scores with the share of a height × width picture that their mask covers. */
    public static ConceptScores over(String concept, float threshold, PatchMap scores, int height, int width) {
        long covered = 0;
        for (boolean inside : mask(scores, threshold, height, width)) if (inside) covered++;
        return new ConceptScores(concept, threshold, scores, (double) covered / ((long) height * width));
    }

    /** The pixels of a height × width picture where the bilinearly upsampled score passes the threshold. */
    public boolean[] mask(int height, int width) {
        return mask(scores, threshold, height, width);
    }

    private static boolean[] mask(PatchMap scores, float threshold, int height, int width) {
        float[] up = scores.upsample(height, width);
        boolean[] mask = new boolean[up.length];
        for (int i = 0; i < up.length; i++) mask[i] = up[i] > threshold;
        return mask;
    }
}
