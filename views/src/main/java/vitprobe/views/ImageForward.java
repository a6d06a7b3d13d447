package vitprobe.views;

import java.util.List;
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Progress;

/** Runs images through the model in batches of equal-sized pictures and hands each image's activations on. */
public final class ImageForward {
    /** Receives the activations of one image, shaped [1, ...], in input order. */
    @FunctionalInterface
    public interface PerImage {
        void accept(int index, InputImage image, Activations activations);
    }

    private ImageForward() {}

    /**
     * Refuses an empty list of images, as {@link vitprobe.engine.ImageInputs#load} does.
     *
     * @param batch    the most images per forward pass
     * @param progress advanced by one per image; may be null
     */
    public static void run(
            VisionTransformer vit,
            List<InputImage> images,
            Capture capture,
            int batch,
            Progress progress,
            PerImage consumer) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images");
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        int from = 0;
        while (from < images.size()) {
            InputImage first = images.get(from);
            int to = from + 1;
            // A batch holds pictures of one size only; a resize-only transform can give several sizes.
            while (to < images.size()
                    && to - from < batch
                    && images.get(to).width() == first.width()
                    && images.get(to).height() == first.height()) to++;
            int per = first.pixels().length;
            float[] data = new float[(to - from) * per];
            for (int i = from; i < to; i++) System.arraycopy(images.get(i).pixels(), 0, data, (i - from) * per, per);
            Activations acts = vit.forward(new FloatTensor(data, to - from, 3, first.height(), first.width()), capture);
            for (int i = from; i < to; i++) {
                consumer.accept(i, images.get(i), acts.image(i - from));
                if (progress != null) progress.advance(1);
            }
            from = to;
        }
    }
}
