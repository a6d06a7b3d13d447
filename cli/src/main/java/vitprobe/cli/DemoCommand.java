package vitprobe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The README's first command: runs {@code tokens} on the embedded sample picture with a seeded random-weight
 * DINO ViT-S/8 (or --model) and summarises every paper token type.
 */
@Command(name = "demo", description = "Extract the paper's six token types of a bundled sample image and summarise them.")
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--model", paramLabel = "MODEL", description = "Model to run (default: ${DEFAULT-VALUE}, seeded random weights).")
    String model = "random:vits8";

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path outDir = Path.of("vitprobe-demo");

    @Option(names = "--device", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device = "auto";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(outDir);
        Path image = outDir.resolve("coffee.jpg");
        try (InputStream in = DemoCommand.class.getResourceAsStream("/samples/coffee.jpg")) {
            Files.copy(in, image, StandardCopyOption.REPLACE_EXISTING);
        }
        Path tokens = outDir.resolve("tokens.safetensors");
        if (model.startsWith("random:")) {
            out.println("NOTE: weights are RANDOM (seeded), not a trained model: the numbers below show the engine working, not what DINO learned.");
            out.println("      Run with --model DIR for a real checkpoint.");
        }
        int status = spec.commandLine().getParent().execute("tokens", "--model", model, "--device", device,
                "--out", tokens.toString(), image.toString());
        if (status != 0) return status;
        TokenSummary.print(tokens, out);
        out.printf("%nTokens written to %s (inspect with any safetensors reader).%n", tokens);
        return 0;
    }
}
