package vitprobe.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HubReferenceTest {
    @Test
    void parsesRepositoryAndRevision() {
        assertEquals(new HubReference("facebook/dino-vits8", "main"), HubReference.parse("hf:facebook/dino-vits8"));
        assertEquals(
                new HubReference("timm/vit_small_patch8_224.dino", "main"),
                HubReference.parse("timm/vit_small_patch8_224.dino"));
        assertEquals(
                new HubReference("facebook/vit-mae-base", "refs/pr/3"),
                HubReference.parse("hf:facebook/vit-mae-base@refs/pr/3"));
        assertEquals(
                "hf:facebook/dino-vits8",
                HubReference.parse("facebook/dino-vits8@main").toString());
        assertEquals(
                "hf:facebook/dino-vits8@v1.0",
                HubReference.parse("hf:facebook/dino-vits8@v1.0").toString());
        assertTrue(HubReference.parse("hf:a/b@" + FakeHub.COMMIT).pinned());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "hf:",
                "hf:a/b/c",
                "hf:../etc",
                "hf:a--b/c",
                "hf:a/b..c",
                "hf:/a",
                "hf:a/b@",
                "hf:a/b@../../x",
                "hf:a/b@/x",
                "hf:a b/c"
            })
    void rejectsWhatIsNotARepositoryId(String text) {
        HubException e = assertThrows(HubException.class, () -> HubReference.parse(text));
        assertTrue(e.getMessage().startsWith("'"), e.getMessage());
    }
}
