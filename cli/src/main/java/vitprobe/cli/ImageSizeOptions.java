package vitprobe.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vitprobe.engine.InputResolution;
import vitprobe.engine.PosResample;
import vitprobe.weights.ViTConfig;

/**
 * The input size images are preprocessed to and how the position embeddings follow it, shared by every command
 * that runs images through a model. A bad value is a usage error (exit 2), checked before the model is loaded;
 * a size that is not a multiple of the model's patch size is one too, once the model is known.
 */
final class ImageSizeOptions {
    @Option(
            names = "--image-size",
            paramLabel = "H[,W]",
            description = "Input size in pixels, H×W or H for a square, multiples of the model's patch size, at most "
                    + InputResolution.MAX_SIDE
                    + " (default: the checkpoint's own, e.g. 224). Images are resized keeping"
                    + " their aspect ratio to cover H/0.875 × W/0.875 and center-cropped to H×W (segmentation: to cover"
                    + " H×W, then cropped).")
    String imageSize;

    @Option(
            names = "--keep-aspect",
            description = "Resize only, no crop: the shorter side to --image-size, the longer side in proportion, both"
                    + " floored to a multiple of the patch size; every image gets its own patch grid.")
    boolean keepAspect;

    @Option(
            names = "--pos-resample",
            paramLabel = "timm|transformers",
            description = "How position embeddings are resampled for another patch grid: timm (bicubic, antialiased,"
                    + " as resample_abs_pos_embed) or transformers (bicubic, no antialias, as interpolate_pos_encoding)"
                    + " (default: the library of the checkpoint's format).")
    String posResample;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * An experiment's setting with the flags over it: --image-size (with --keep-aspect) replaces its size,
     * --pos-resample its rule.
     */
    InputResolution over(InputResolution configured) {
        InputResolution flags = resolution();
        boolean size = imageSize != null;
        return new InputResolution(
                size ? flags.height() : configured.height(),
                size ? flags.width() : configured.width(),
                size ? flags.keepAspect() : configured.keepAspect(),
                posResample != null ? flags.posResample() : configured.posResample());
    }

    /** The flags as one setting; a bad value is one usage error naming its flag. */
    InputResolution resolution() {
        if (posResample != null) {
            try {
                PosResample.byKey(posResample);
            } catch (IllegalArgumentException e) {
                throw usage("--pos-resample", e);
            }
        }
        try {
            return InputResolution.parse(imageSize, keepAspect, posResample);
        } catch (IllegalArgumentException e) {
            if (imageSize != null) throw usage("--image-size", e);
            throw new ParameterException(
                    command.commandLine(), "--keep-aspect: " + e.getMessage() + " (give it as --image-size S)");
        }
    }

    /** The setting for this model: refused (a usage error) unless its sides are multiples of the patch size. */
    InputResolution resolution(ViTConfig c) {
        try {
            return resolution().requireFits(c);
        } catch (IllegalArgumentException e) {
            throw usage("--image-size", e);
        }
    }

    private ParameterException usage(String flag, IllegalArgumentException e) {
        return new ParameterException(command.commandLine(), flag + ": " + e.getMessage());
    }
}
