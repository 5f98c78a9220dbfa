package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.data.DemoDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Problems with the data or weights are clear errors before any training starts. */
class RunValidationTest {
  @TempDir
  Path dir;

  private Exception failure(String yaml) {
    PrintStream out = new PrintStream(new ByteArrayOutputStream());
    return assertThrows(Exception.class, () -> TrainingRun.start(ConfigLoader.parse(yaml, "cfg", List.of()), out,
        false));
  }

  private String config(Path data, String extra) {
    return "data: {root: " + data + "}\noutput_dir: " + dir.resolve("runs") + "\n" + extra;
  }

  @Test
  void missingValidationSplitIsNamed() throws Exception {
    DemoDataset.generate(dir.resolve("d"), 2, 1, 0);
    Files.move(dir.resolve("d/val"), dir.resolve("d/elsewhere"));
    Exception e = failure(config(dir.resolve("d"), ""));
    assertTrue(e.getMessage().contains("d/val") && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void aRunThatFailsBeforeTrainingLeavesNoRunDirectory() throws Exception {
    DemoDataset.generate(dir.resolve("d"), 2, 1, 0);
    Files.move(dir.resolve("d/val"), dir.resolve("d/elsewhere"));
    Files.writeString(dir.resolve("w.pth"), "not weights");
    failure(config(dir.resolve("d"), ""));
    failure(config(dir.resolve("d"), "model: {weights: " + dir.resolve("w.pth") + "}\n"));
    try (var runs = Files.list(dir.resolve("runs"))) {
      assertEquals(List.of(), runs.toList(), "no run-* directory for runs that never trained");
    }
  }

  @Test
  void differentClassesInTrainAndValAreNamed() throws Exception {
    DemoDataset.generate(dir.resolve("d"), 2, 1, 0);
    Files.move(dir.resolve("d/val/discs"), dir.resolve("d/val/circles"));
    Exception e = failure(config(dir.resolve("d"), ""));
    assertTrue(e.getMessage().contains("different classes") && e.getMessage().contains("circles"), e.getMessage());
  }

  @Test
  void weightsThatDoNotFitAndWrongClassCountAreNamed() throws Exception {
    DemoDataset.generate(dir.resolve("d"), 2, 1, 0);
    Exception classes = failure(config(dir.resolve("d"), "model: {num_classes: 5}\n"));
    assertTrue(classes.getMessage().contains("model.num_classes is 5") && classes.getMessage().contains("3 classes"),
        classes.getMessage());
    Files.writeString(dir.resolve("w.pth"), "not weights");
    Exception weights = failure(config(dir.resolve("d"), "model: {weights: " + dir.resolve("w.pth") + "}\n"));
    assertTrue(weights.getMessage().contains("w.pth"), weights.getMessage());
    assertTrue(!Files.exists(dir.resolve("runs")) || Files.list(dir.resolve("runs")).allMatch(r ->
        !Files.exists(r.resolve("metrics.csv"))), "nothing was trained");
  }

  /**
   * Under the default bad_images: skip, an unreadable file in val/ (picked for the prediction grid)
   * and a truncated one in train/ are skipped by every reader: training, validation, the batch grid
   * and the prediction grid; the run finishes and counts each file once.
   */
  @Test
  void unreadableImagesAreSkippedByEveryReaderOfTheRun() throws Exception {
    DemoDataset.generate(dir.resolve("d"), 3, 2, 0);
    Files.writeString(dir.resolve("d/val/checkers/broken.jpg"), "not a JPEG");
    byte[] jpeg = Files.readAllBytes(dir.resolve("d/train/discs/discs_000.jpg"));
    Files.write(dir.resolve("d/train/discs/half.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    String yaml = """
        data:
          root: %s
          train_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
          val_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
          batch_size: 4
        freeze: [all-but-head]
        stages: [{epochs: 1}]
        output_dir: %s
        threads: 2
        """.formatted(dir.resolve("d"), dir.resolve("runs"));
    TrainingRun.Outcome outcome = TrainingRun.start(ConfigLoader.parse(yaml, "cfg", List.of()),
        new PrintStream(console, true), false);
    assertTrue(Files.isRegularFile(outcome.runDir().resolve("val_predictions.png")), console.toString());
    assertTrue(Files.isRegularFile(outcome.runDir().resolve("train_batch.png")), console.toString());
    assertTrue(console.toString().contains("2 unreadable images were skipped"), console.toString());
  }
}
