package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.image.ImageDecodeException;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.PillowResample.Filter;

class ImageInputsTest {
    private static final float[] ZERO = {0, 0, 0}, ONE = {1, 1, 1};

    @TempDir
    Path dir;

    private Path png(int width, int height) throws Exception {
        Path file = dir.resolve(width + "x" + height + ".png");
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
        return file;
    }

    private static String refused(Path file, ImageTransform transform) {
        return assertThrows(ImageDecodeException.class, () -> ImageInputs.load(List.of(file), transform))
                .getMessage();
    }

    @Test
    void aThinImageWhoseResizeWouldNotFitInAnArrayIsRefusedNamingTheSize() throws Exception {
        // The shorter side to 256 makes the 12000 pixels 3,072,000: 2.4 GB of RGB, more than one array holds.
        Path strip = png(1, 12000);
        assertEquals(
                strip + ": would be resized to 256x3072000 pixels (WxH), too large to hold",
                refused(strip, ImageTransform.imagenetDefaults()));
    }

    @Test
    void keepingTheAspectRatioRefusesAnInputSideOver4096() throws Exception {
        Path wide = png(300, 1);
        ImageTransform keep = new ImageTransform(new ImageTransform.KeepAspect(16, 16), Filter.BICUBIC, ZERO, ONE);
        assertEquals(wide + ": would become a 4800x16 (WxH) input, over 4096 pixels on a side", refused(wide, keep));
        Path tall = png(3, 1200);
        ImageTransform big = new ImageTransform(new ImageTransform.KeepAspect(4096, 16), Filter.BICUBIC, ZERO, ONE);
        assertEquals(
                tall + ": would become a 4096x1638400 (WxH) input, over 4096 pixels on a side", refused(tall, big));
    }
}
