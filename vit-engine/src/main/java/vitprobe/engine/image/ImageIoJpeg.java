package vitprobe.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * JPEG decoding with javax.imageio, used when libturbojpeg is absent. The JDK bundles IJG libjpeg 6b with the same
 * defaults (fancy upsampling, integer IDCT), so results are close to Pillow's but not guaranteed identical: 6b lacks
 * libjpeg-turbo's smooth h1v2 upsampling, and the JDK converts images with an embedded ICC profile to sRGB, which
 * Pillow does not. CMYK/YCCK JPEGs are not supported here.
 */
final class ImageIoJpeg {
    private ImageIoJpeg() {}

    static RgbImage decode(byte[] jpeg, String source, long maxPixels) {
        ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            reader.setInput(in, true, true);
            // getWidth and getHeight read only the header.
            ImageDecoder.checkPixels(reader.getWidth(0), reader.getHeight(0), maxPixels, source);
            BufferedImage image = reader.read(0);
            for (String warning : warnings) {
                if (ImageDecoder.isTruncationWarning(warning)) {
                    throw new ImageDecodeException(source, "cannot decode JPEG (javax.imageio: " + warning + ")");
                }
            }
            return toRgb(image.getRaster(), source);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) { // ImageIO fails on corrupt data with runtime exceptions too
            throw new ImageDecodeException(source, "cannot decode JPEG (javax.imageio: " + e.getMessage() + ")", e);
        } finally {
            reader.dispose();
        }
    }

    /** Reads samples from the raster: a grey image's ColorModel would otherwise apply a linear-to-sRGB curve. */
    private static RgbImage toRgb(Raster raster, String source) {
        int width = raster.getWidth(), height = raster.getHeight(), bands = raster.getNumBands();
        if (bands != 1 && bands != 3)
            throw new ImageDecodeException(source, "unsupported JPEG with " + bands + " bands");
        int[] samples = raster.getPixels(0, 0, width, height, (int[]) null);
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) samples[bands == 3 ? i : i / 3];
        return new RgbImage(width, height, rgb);
    }
}
