package vitprobe.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;

/** Decoding and preprocessing against the PIL + torchvision oracle in the shared fixtures. */
class PreprocessOracleTest {
    private static final ImageTransform TRANSFORM = ImageTransform.imagenetDefaults();
    /** Where a pixel is off by at most `levels`, the normalized input is off by at most levels / 255 / min(std). */
    private static final double INPUT_PER_LEVEL = 1 / 255.0 / 0.224 + 1e-6;

    private static SafeTensors oracle;

    @BeforeAll
    static void openOracle() {
        oracle = SafeTensors.open(SharedFixtures.resolve("images").resolve("preprocess_oracle.safetensors"));
    }

    @AfterAll
    static void closeOracle() {
        if (oracle != null) oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"astronaut", "chelsea", "camera"})
    void pngDecodesResizesAndCropsExactlyLikePillowAndTorchvision(String name) {
        RgbImage decoded = ImageDecoder.decode(SharedFixtures.resolve("images").resolve(name + ".png"));
        assertSamePixels("decoded_" + name, decoded);
        RgbImage cropped = TRANSFORM.resizeAndCrop(decoded, "test image");
        assertSamePixels("resized_cropped_" + name, cropped);
        double inputDiff = maxAbsDiff(oracle.tensor("input_" + name), TRANSFORM.normalize(cropped));
        System.out.printf("%s.png: decoded and resized+cropped pixels exact; input max |diff| %.2e%n", name, inputDiff);
        assertTrue(inputDiff <= 1e-6, "input_" + name + " max |diff| " + inputDiff);
        assertArrayEquals(TRANSFORM.normalize(cropped), TRANSFORM.apply(decoded, "test image"));
    }

    @Test
    void jpegMatchesPillowExactlyThroughLibjpegTurboAndWithinTwoLevelsOtherwise() {
        boolean turbo = ImageDecoder.usesLibjpegTurbo();
        int allowed = turbo ? 0 : 2;
        RgbImage decoded = ImageDecoder.decode(SharedFixtures.resolve("images").resolve("coffee.jpg"));
        String path = turbo ? "libjpeg-turbo" : "javax.imageio";
        int decodedDiff = report("coffee.jpg via " + path + ", decoded", "decoded_coffee", decoded);
        RgbImage cropped = TRANSFORM.resizeAndCrop(decoded, "test image");
        int croppedDiff = report("coffee.jpg via " + path + ", resized+cropped", "resized_cropped_coffee", cropped);
        double inputDiff = maxAbsDiff(oracle.tensor("input_coffee"), TRANSFORM.normalize(cropped));
        System.out.printf("coffee.jpg via %s, input: max |diff| %.2e%n", path, inputDiff);
        assertTrue(
                decodedDiff <= allowed && croppedDiff <= allowed,
                "coffee.jpg differs by more than " + allowed + " levels");
        assertTrue(inputDiff <= Math.max(1e-6, allowed * INPUT_PER_LEVEL), "input_coffee max |diff| " + inputDiff);
    }

    /** Measures the fallback even where libjpeg-turbo is installed, so its documented tolerance stays checked. */
    @Test
    void imageIoFallbackStaysWithinTwoLevelsOfPillow() throws Exception {
        byte[] coffee = Files.readAllBytes(SharedFixtures.resolve("images").resolve("coffee.jpg"));
        RgbImage decoded = ImageDecoderTest.imageIo(coffee, "coffee.jpg");
        int decodedDiff = report("coffee.jpg via javax.imageio (fallback), decoded", "decoded_coffee", decoded);
        int croppedDiff = report(
                "coffee.jpg via javax.imageio (fallback), resized+cropped",
                "resized_cropped_coffee",
                TRANSFORM.resizeAndCrop(decoded, "test image"));
        assertTrue(decodedDiff <= 2 && croppedDiff <= 2, "fallback differs by more than 2 levels");
    }

    private static void assertSamePixels(String oracleName, RgbImage actual) {
        Tensor expected = oracle.tensor(oracleName);
        assertArrayEquals(new long[] {actual.height(), actual.width(), 3}, expected.shape(), oracleName + " shape");
        byte[] want = expected.toByteArray();
        for (int i = 0; i < want.length; i++) {
            if (want[i] != actual.rgb()[i]) {
                int pixel = i / 3;
                assertEquals(
                        want[i] & 0xff,
                        actual.rgb()[i] & 0xff,
                        oracleName + " differs at x=" + pixel % actual.width() + " y=" + pixel / actual.width()
                                + " channel " + i % 3 + " (max |diff| " + maxAbsDiff(want, actual) + ")");
            }
        }
    }

    /** Prints the max and mean difference from the oracle and returns the max. */
    private static int report(String what, String oracleName, RgbImage actual) {
        Tensor expected = oracle.tensor(oracleName);
        assertArrayEquals(new long[] {actual.height(), actual.width(), 3}, expected.shape(), oracleName + " shape");
        byte[] want = expected.toByteArray();
        long sum = 0;
        int differing = 0;
        for (int i = 0; i < want.length; i++) {
            int d = Math.abs((want[i] & 0xff) - (actual.rgb()[i] & 0xff));
            sum += d;
            if (d != 0) differing++;
        }
        int max = maxAbsDiff(want, actual);
        System.out.printf(
                "%s: max |diff| %d, mean |diff| %.5f, %d of %d values differ%n",
                what, max, (double) sum / want.length, differing, want.length);
        return max;
    }

    private static int maxAbsDiff(byte[] want, RgbImage actual) {
        int max = 0;
        for (int i = 0; i < want.length; i++)
            max = Math.max(max, Math.abs((want[i] & 0xff) - (actual.rgb()[i] & 0xff)));
        return max;
    }

    private static double maxAbsDiff(Tensor expected, float[] actual) {
        assertArrayEquals(new long[] {3, 224, 224}, expected.shape(), expected.name() + " shape");
        float[] want = expected.toFloatArray();
        double max = 0;
        for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs((double) want[i] - actual[i]));
        return max;
    }
}
