package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.DemoDataset;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train, predict, export and convert run as a user runs them (a fresh JVM, no TF_CPP_MIN_LOG_LEVEL
 * in the environment) print none of TensorFlow's native INFO lines; --verbose brings them back.
 */
class ConsoleOutputTest {
  private static final List<String> NATIVE_LINES = List.of("oneDNN custom operations", "cpu_feature_guard",
      "absl::InitializeLog", "mlir_graph_optimization_pass", "Calling Java gradient function");

  @TempDir
  Path dir;

  @Test
  void commandsPrintNoNativeLogLinesUnlessVerbose() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 4, 2, 1);
    Files.writeString(dir.resolve("config.yaml"), """
        model: {arch: resnet18}
        data:
          root: data
          train_transforms: [{random_resized_crop: {size: 32}}]
          val_transforms: [{resize: {size: 40}}, {center_crop: {size: 32}}]
          batch_size: 6
          workers: 1
        stages: [{epochs: 1, groups: [{lr: 0.01}]}]
        output_dir: runs
        """);
    Output train = cli("train", "--config", "config.yaml", "--timings");
    assertQuiet(train);
    assertTrue(train.stdout().contains("report runs/") && train.stdout().contains("report.html"), train.stdout());
    checkTimingsLine(train.stdout());
    Path run;
    try (Stream<Path> runs = Files.list(dir.resolve("runs"))) {
      run = runs.findFirst().orElseThrow();
    }
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.copy(dir.resolve("data/val/discs/discs_000.jpg"), images.resolve("discs.jpg"));
    Output predict = cli("predict", "--run", run.toString(), "--images", "images");
    assertQuiet(predict);
    assertTrue(predict.stdout().startsWith("{\"file\":\"discs.jpg\""), "JSON lines when not on a terminal");
    assertQuiet(cli("export", "--run", run.toString(), "--out", "savedmodels/demo"));
    assertQuiet(cli("convert", "--in", run.resolve("best.safetensors").toString(), "--out", "copy.safetensors",
        "--arch", "resnet18", "--num-classes", "3"));

    Output verbose = cli("predict", "--run", run.toString(), "--images", "images", "--verbose");
    assertTrue(verbose.stderr().contains("oneDNN custom operations"), "--verbose shows TensorFlow's INFO lines:\n"
        + verbose.stderr());
  }

  /** --timings: one JSON line whose parts, from the JVM's start on, fit in the process's wall time. */
  private static void checkTimingsLine(String stdout) throws Exception {
    String line = stdout.lines().filter(l -> l.startsWith("timings {")).findFirst().orElseThrow(
        () -> new AssertionError("no timings line in:\n" + stdout));
    var timings = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring("timings ".length()));
    double total = timings.get("process_start_to_end").asDouble();
    double parts = 0;
    for (String key : List.of("jvm_start_to_main", "main_to_run_start", "build_graph", "create_session",
        "initialize_weights", "build_training_step", "final_evaluation")) {
      assertTrue(timings.has(key) && timings.get(key).asDouble() >= 0, key + " in " + line);
      parts += timings.get(key).asDouble();
    }
    for (String key : List.of("train_epochs", "val_epochs")) {
      for (var epoch : timings.get(key)) {
        parts += epoch.asDouble();
      }
    }
    assertTrue(timings.get("first_train_batch").asDouble() > 0, line);
    assertTrue(parts <= total + 0.02, "parts " + parts + " within the whole " + total + ": " + line);
  }

  private static void assertQuiet(Output output) {
    for (String line : NATIVE_LINES) {
      assertTrue(!output.stdout().contains(line) && !output.stderr().contains(line),
          "native log line '" + line + "' in the output:\n" + output.stdout() + output.stderr());
    }
    assertEquals("", output.stderr().strip(), "nothing on stderr");
  }

  private record Output(String stdout, String stderr) {}

  private Output cli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    File out = File.createTempFile("out", ".txt", dir.toFile());
    File err = File.createTempFile("err", ".txt", dir.toFile());
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out).redirectError(err);
    builder.environment().remove("TF_CPP_MIN_LOG_LEVEL");
    Process process = builder.start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), String.join(" ", args) + " did not finish");
    Output output = new Output(Files.readString(out.toPath()), Files.readString(err.toPath()));
    assertEquals(0, process.exitValue(), String.join(" ", args) + " failed:\n" + output.stderr());
    return output;
  }
}
