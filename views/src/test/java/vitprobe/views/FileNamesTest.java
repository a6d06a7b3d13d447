package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FileNamesTest {
    @Test
    void namesAreSafeUniqueWhateverTheCaseAndShort() {
        FileNames names = new FileNames("index.html");
        assertEquals("index-2.html", names.claim("index", ".html"));
        assertEquals("cat.png", names.claim("cat", ".png"));
        assertEquals("Cat-2.png", names.claim("Cat", ".png"));
        assertEquals("_.hidden__.png", names.claim(".hidden /", ".png"));
        // The testers' case: a 300-character concept name made a file name the file system refused.
        String name = names.claim("cat-score-" + "x".repeat(300), ".png");
        assertEquals("cat-score-" + "x".repeat(FileNames.MAX_LENGTH - 10) + ".png", name);
        assertEquals(
                "cat-score-" + "x".repeat(FileNames.MAX_LENGTH - 10) + "-2.png",
                names.claim("cat-score-" + "x".repeat(299), ".png"));
    }
}
