package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import vitprobe.testing.Chromium;

class GalleryTest {
    @TempDir
    Path dir;

    private List<Gallery.Section> sections() {
        return List.of(new Gallery.Section(
                "cat.jpg <1>",
                "two pictures",
                List.of(new Gallery.Figure("a.png", "first", "a caption"), new Gallery.Figure("b.png", "second", "")),
                new Gallery.Table(List.of("concept", "area"), List.of(List.of("sky & sea", "0.41")))));
    }

    @Test
    void opensInABrowserWithEveryPictureAndEscapesText() throws Exception {
        for (String name : List.of("a.png", "b.png"))
            ImageIO.write(
                    new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB),
                    "png",
                    dir.resolve(name).toFile());
        Path page = Gallery.write(dir, "vitprobe attention", "intro", sections());
        Chromium.assertRendersWithAllImages(page, 2);
        String html = Files.readString(page);
        assertTrue(html.contains("cat.jpg &lt;1&gt;") && html.contains("sky &amp; sea"), html);
    }

    @Test
    void aMissingPictureIsCaughtByTheBrowserCheck() throws Exception {
        ImageIO.write(
                new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB),
                "png",
                dir.resolve("a.png").toFile());
        Path page = Gallery.write(dir, "vitprobe attention", "intro", sections());
        assertThrows(AssertionFailedError.class, () -> Chromium.assertRendersWithAllImages(page, 2));
    }
}
