package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.SmallDisk;
import dev.tfjtransfer.data.DemoDataset;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's error line: what went wrong and where, without Java's wrapper class names. */
class ErrorMessagesTest {
  @TempDir
  static Path shared;

  @TempDir
  Path dir;

  /** resnet18 weights with a two-class head (45 MB: more than the small disk holds). */
  static Path weights;

  @BeforeAll
  static void weights() throws IOException {
    weights = shared.resolve("w.safetensors");
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(2))) {
      model.initialize(1);
      Safetensors.write(model.stateDict(), weights);
    }
  }

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
    Files.createSymbolicLink(images.resolve("b.jpg"), images.resolve("moved-away.jpg"));
    String[] common = {"predict", "--arch", "resnet18", "--num-classes", "2", "--weights", weights.toString(),
        "--images", images.toString()};
    Run top = run(concat(common, "--top", "-1"));
    assertEquals(1, top.code());
    assertTrue(top.err().contains("--top") && top.err().contains("-1") && !top.err().contains("Index"), top.err());
    Run unreadable = run(common);
    assertEquals(1, unreadable.code(), unreadable.err());
    assertTrue(unreadable.err().contains("no readable image") && unreadable.err().contains(images.toString())
        && unreadable.err().contains("among its 2 files"), unreadable.err());
  }

  @Test
  void writesNameTheFileAndTheSystemsReason() throws Exception {
    Path file = Files.writeString(dir.resolve("notes.txt"), "a file");
    Path directory = Files.createDirectories(dir.resolve("converted.safetensors"));
    assertOneLineError("error: " + directory + ": cannot write: Is a directory",
        run("convert", "--in", weights.toString(), "--out", directory.toString()));
    assertOneLineError("error: " + file + ": cannot create directory: File exists",
        run("convert", "--in", weights.toString(), "--out", file.resolve("w.safetensors").toString()));
    assertOneLineError("error: " + file.resolve("model") + ": cannot create directory: Not a directory",
        run("export", "--arch", "resnet18", "--num-classes", "2", "--weights", weights.toString(), "--classes", "a,b",
            "--out",
            file.resolve("model").toString()));
    Path config = Files.writeString(dir.resolve("config.yaml"), "model: {arch: resnet18}\ndata: {root: "
        + dir.resolve("data") + "}\nstages: [{epochs: 1, groups: [{lr: 0.01}]}]\n");
    assertOneLineError("error: " + file.resolve("runs") + ": cannot create directory: Not a directory",
        run("train", "--config", config.toString(), "--set", "output_dir=" + file.resolve("runs")));
    assertEquals("a file", Files.readString(file));
  }

  @Test
  void aDirectoryGivenAsWeightsIsNamedAsOne() {
    assertOneLineError("error: " + dir + ": is a directory, not a weights file",
        run("convert", "--in", dir.toString(), "--out", dir.resolve("w.safetensors").toString()));
  }

  @Test
  void aFullDiskIsNamedWithTheFileBeingWritten() throws Exception {
    // room for the run's small files (config, metrics, plots: a few hundred KB), not for its 42 MB checkpoint
    try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 4096)) {
      Path out = disk.root().resolve("w.safetensors");
      assertOneLineError("error: " + out + ": cannot write: No space left on device",
          run("convert", "--in", weights.toString(), "--out", out.toString()));
      try (java.util.stream.Stream<Path> left = Files.list(disk.root())) {
        assertEquals(0, left.count(), "no partial file left");
      }

      DemoDataset.generate(dir.resolve("data"), 2, 1, 0);
      Path config = Files.writeString(dir.resolve("config.yaml"), """
          model: {arch: resnet18}
          data:
            root: %s
            train_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
            val_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
            batch_size: 6
          stages: [{epochs: 1, groups: [{lr: 0.01}]}]
          output_dir: %s
          """.formatted(dir.resolve("data"), disk.root().resolve("runs")));
      Run train = run("train", "--config", config.toString());
      assertEquals(1, train.code(), train.err());
      String error = train.err().strip();
      assertTrue(error.matches("error: " + java.util.regex.Pattern.quote(disk.root().resolve("runs").toString())
          + "/run-[0-9-]+/best\\.safetensors: cannot write: No space left on device"), error);
      try (java.util.stream.Stream<Path> files = Files.walk(disk.root())) {
        assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no partial file left");
      }
    }
  }

  @Test
  void weightsLargerThanTheHeapAreNamedInOneLine() throws Exception {
    // a separate JVM with a heap smaller than the 45 MB of weights
    Process convert = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx32m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "convert", "--in",
        weights.toString(), "--out", dir.resolve("w.safetensors").toString()).redirectErrorStream(true).start();
    String output = new String(convert.getInputStream().readAllBytes()).strip();
    assertEquals(1, convert.waitFor(), output);
    assertTrue(output.matches("error: " + java.util.regex.Pattern.quote(weights.toString())
        + ": not enough Java heap to read its 42 MB of weights \\(-Xmx\\d+m; raise it, e.g. TFJ_OPTS=-Xmx4g\\)"),
        output);
    assertTrue(Files.notExists(dir.resolve("w.safetensors")));
  }

  private static void assertOneLineError(String expected, Run run) {
    assertEquals(1, run.code(), run.err());
    assertEquals(expected, run.err().strip(), run.err());
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
