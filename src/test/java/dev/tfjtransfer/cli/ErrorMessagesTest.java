package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's error line: what went wrong and where, without Java's wrapper class names. */
class ErrorMessagesTest {
  @TempDir
  Path dir;

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void wrappedIoErrorsLoseTheirClassPrefix() {
    String line = Main.describe(new IllegalStateException(new UncheckedIOException(new IOException(
        "/data/a.jpg: Is a directory"))));
    assertEquals("/data/a.jpg: Is a directory", line);
  }

  @Test
  void predictRefusesTopBelowOneAndFailsWhenNoFileIsReadable() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.writeString(images.resolve("a.jpg"), "not a JPEG");
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(2))) {
      model.initialize(1);
      Safetensors.write(model.stateDict(), dir.resolve("w.safetensors"));
    }
    String[] common = {"predict", "--arch", "resnet18", "--num-classes", "2", "--weights",
        dir.resolve("w.safetensors").toString(), "--images", images.toString()};
    Run top = run(concat(common, "--top", "-1"));
    assertEquals(1, top.code());
    assertTrue(top.err().contains("--top") && top.err().contains("-1") && !top.err().contains("Index"), top.err());
    Run unreadable = run(common);
    assertEquals(1, unreadable.code(), unreadable.err());
    assertTrue(unreadable.err().contains("no readable image") && unreadable.err().contains(images.toString()),
        unreadable.err());
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
