package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.DemoDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole-run options: {@code validate_before_training: false} skips the epoch-0 validation,
 * {@code precision: bf16} trains in mixed precision and is kept in the run's resolved config (so a
 * resume trains the same way), and {@code timings.json} accounts for the run's phases.
 */
class RunOptionsTest {
  @TempDir
  Path dir;

  @Test
  void bf16RunWithoutInitialValidationRecordsItsTimings() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 4, 2, 2);
    RunConfig config = ConfigLoader.parse("""
        model: {arch: resnet18}
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: 32}}]
          val_transforms: [{resize: {size: 40}}, {center_crop: {size: 32}}]
          batch_size: 4
          workers: 1
        stages: [{epochs: 2, groups: [{lr: 0.01}]}]
        output_dir: %s
        precision: bf16
        inter_op_threads: 1
        validate_before_training: false
        """.formatted(dir.resolve("data"), dir.resolve("runs")), "test", List.of());
    TrainingRun.Outcome outcome = TrainingRun.start(config, new PrintStream(new ByteArrayOutputStream()), false);
    Path run = outcome.runDir();

    List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
    assertEquals(1 + 2 * 2, csv.size(), "train and val rows of epochs 1 and 2, no epoch 0: " + csv);
    assertTrue(csv.stream().skip(1).noneMatch(row -> row.startsWith("0,")), csv.toString());

    RunConfig resolved = ConfigLoader.load(run.resolve("config.yaml"), List.of());
    assertEquals("bf16", resolved.precision());
    assertEquals(1, resolved.interOpThreads());
    assertEquals(false, resolved.validateBeforeTraining());

    JsonNode timings = new ObjectMapper().readTree(run.resolve(TrainingRun.TIMINGS).toFile());
    assertEquals(2, timings.get("train_epochs").size());
    assertEquals(2, timings.get("val_epochs").size(), "no epoch-0 validation");
    double whole = timings.get("run").asDouble();
    double parts = timings.get("open_data").asDouble() + timings.get("build_graph").asDouble()
        + timings.get("create_session").asDouble() + timings.get("initialize_weights").asDouble()
        + timings.get("build_training_step").asDouble() + timings.get("final_evaluation").asDouble();
    for (String phase : List.of("train_epochs", "val_epochs")) {
      for (JsonNode seconds : timings.get(phase)) {
        parts += seconds.asDouble();
      }
    }
    assertTrue(parts <= whole + 0.01, "phases " + parts + " within the run's " + whole + " s: " + timings);
    // 2 batches per epoch: the first of each phase, then one more
    assertTrue(timings.get("first_train_batch").asDouble() > 0, timings.toString());
    assertEquals(1, timings.get("first_train_batch_of_later_epochs").size(), timings.toString());
    assertTrue(timings.get("median_train_batch").asDouble() > 0, timings.toString());
    assertTrue(timings.get("callbacks").has("ModelCheckpoint"), timings.toString());
  }
}
