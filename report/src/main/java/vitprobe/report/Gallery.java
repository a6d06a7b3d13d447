package vitprobe.report;

import static vitprobe.report.Report.escape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import vitprobe.io.AtomicFiles;

/**
 * An {@code index.html} beside a folder of pictures: a section per image (or per concept), each with its figures in
 * a wrapping grid and an optional table, in the look of the experiment report. Pictures are linked, not embedded,
 * so the page stays small and each PNG can be opened on its own.
 */
public final class Gallery {
    /** A picture of the folder, by its path relative to the page. */
    public record Figure(String file, String title, String caption) {}

    public record Table(List<String> headers, List<List<String>> rows) {}

    /** @param table shown under the figures; null for none */
    public record Section(String title, String text, List<Figure> figures, Table table) {}

    public static final String FILE = "index.html";

    private static final String GRID_STYLE = """
            .grid{display:flex;flex-wrap:wrap;gap:18px}.grid figure{margin:8px 0 18px;max-width:100%}
            """;

    private Gallery() {}

    /** Writes {@code folder/index.html} atomically and returns its path. */
    public static Path write(Path folder, String title, String intro, List<Section> sections) throws IOException {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>")
                .append(escape(title))
                .append("</title>\n<style>")
                .append(Report.STYLE)
                .append(GRID_STYLE)
                .append("</style></head>\n<body>\n<h1>")
                .append(escape(title))
                .append("</h1>\n<p>")
                .append(escape(intro))
                .append("</p>\n");
        for (Section s : sections) {
            h.append("<h2>").append(escape(s.title())).append("</h2>\n");
            if (!s.text().isEmpty()) h.append("<p>").append(escape(s.text())).append("</p>\n");
            h.append("<div class=\"grid\">\n");
            for (Figure f : s.figures()) {
                h.append("<figure><a href=\"")
                        .append(escape(f.file()))
                        .append("\"><img alt=\"")
                        .append(escape(f.title()))
                        .append("\" src=\"")
                        .append(escape(f.file()))
                        .append("\"></a>\n<figcaption><strong>")
                        .append(escape(f.title()))
                        .append("</strong>");
                if (!f.caption().isEmpty()) h.append("<br>").append(escape(f.caption()));
                h.append("</figcaption></figure>\n");
            }
            h.append("</div>\n");
            if (s.table() != null)
                Report.htmlTable(h, s.table().headers(), s.table().rows(), false);
        }
        h.append("<script>").append(Report.IMAGE_CHECK).append("</script>\n</body></html>\n");
        Path page = folder.resolve(FILE);
        AtomicFiles.writeString(page, h.toString());
        return page;
    }
}
