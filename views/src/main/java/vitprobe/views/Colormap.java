package vitprobe.views;

/** Viridis: a perceptually uniform colour scale that stays readable in grey and to colour-blind readers. */
public final class Colormap {
    /** Viridis at 0, 1/8, ..., 1; the scale between them is linear in sRGB. */
    private static final int[] STOPS = {
        0x440154, 0x472c7a, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725
    };

    private Colormap() {}

    /** The 0xRRGGBB colour of t, clamped to [0, 1]; NaN is drawn as 0. */
    public static int viridis(float t) {
        float x = Float.isNaN(t) ? 0 : Math.clamp(t, 0f, 1f) * (STOPS.length - 1);
        int i = Math.min((int) x, STOPS.length - 2);
        float w = x - i;
        int a = STOPS[i], b = STOPS[i + 1], rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            float mixed = ((a >> shift) & 0xff) * (1 - w) + ((b >> shift) & 0xff) * w;
            rgb |= Math.round(mixed) << shift;
        }
        return rgb;
    }
}
