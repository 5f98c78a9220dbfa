package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.cli.Main;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.eval.Evaluation;
import dev.tfjtransfer.eval.EvaluationWriter;
import dev.tfjtransfer.weights.StateDict;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-time augmentation against torch/torchvision ({@code tests/parity/tta_reference.py}): the
 * same weights (a run's best.safetensors) and the same PNG images through Resize(40) and
 * CenterCrop(32) / hflip / FiveCrop(32) / TenCrop(32), softmax averaged over the views. The
 * validation phase's tta_loss / tta_acc in metrics.csv, {@code evaluate --tta} (console line and
 * summary.json) and the Java API's per-image probabilities must all agree with it.
 */
class TtaParityTest {
  private static final List<String> CLASSES = List.of("ants", "bees", "wasps");
  private static final float[] MEAN = {0.5f, 0.4f, 0.3f};
  private static final float[] STD = {0.2f, 0.25f, 0.3f};
  private static final double TOLERANCE = 2e-4;

  @TempDir
  static Path dir;

  static Path run;
  static JsonNode torch;

  /** One epoch of resnet18 at 32 px, validated with ten_crop; then torch on its best weights. */
  @BeforeAll
  static void trainAndComputeTheReference() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    for (String split : List.of("train", "val")) {
      for (String c : CLASSES) {
        for (int i = 0; i < 2; i++) {
          // non-square, odd sizes: the corner crops of FiveCrop differ from the centre one
          writePng(dir.resolve("data").resolve(split).resolve(c).resolve(i + ".png"), 38 + 7 * i, 51 - 4 * i, random);
        }
      }
    }
    RunConfig config = ConfigLoader.parse(config(dir.resolve("runs"), "{mode: ten_crop}", false), "test", List.of());
    run = TrainingRun.start(config, new PrintStream(new ByteArrayOutputStream()), false).runDir();
    List<String> lines = TorchReferences.run("tta_reference.py", "resnet18", "3",
        run.resolve(Checkpoints.BEST).toString(), dir.resolve("data/val").toString(), "40", "32",
        join(MEAN), join(STD));
    torch = new ObjectMapper().readTree(String.join("\n", lines));
  }

  @Test
  void validationPhaseReportsTorchsTenCropLossAndAccuracyBesideThePlainOnes() throws Exception {
    List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
    List<String> header = Arrays.asList(csv.get(0).split(",", -1));
    String[] val = csv.stream().filter(l -> l.startsWith("1,") && l.contains(",val,")).findFirst().orElseThrow()
        .split(",", -1);
    assertEquals(torch.at("/ten_crop/loss").asDouble(), Double.parseDouble(val[header.indexOf("tta_loss")]),
        TOLERANCE);
    // metrics.csv holds 6 significant digits
    assertEquals(torch.at("/ten_crop/accuracy").asDouble(), Double.parseDouble(val[header.indexOf("tta_acc")]),
        1e-6);
    assertEquals(torch.at("/none/loss").asDouble(), Double.parseDouble(val[header.indexOf("loss")]), TOLERANCE);
    assertEquals(torch.at("/none/accuracy").asDouble(), Double.parseDouble(val[header.indexOf("acc")]), 1e-6);
    String[] train = csv.stream().filter(l -> l.contains(",train,")).findFirst().orElseThrow().split(",", -1);
    assertEquals("", train[header.indexOf("tta_acc")], "train rows have no TTA figure");
  }

  @Test
  void evaluateCommandWritesTtaFiguresBesideThePlainOnes() throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      assertEquals(0, Main.commandLine().execute("evaluate", "--run", run.toString(), "--tta", "five_crop"));
    } finally {
      System.setOut(saved);
    }
    String console = out.toString();
    assertTrue(console.contains(String.format(java.util.Locale.ROOT, "with five_crop TTA (5 views): 6 images:"
        + " top-1 %.4f", torch.at("/five_crop/accuracy").asDouble())), console);
    Path evalDir = run.resolve(RunEvaluation.VAL_DIR);
    JsonNode summary = new ObjectMapper().readTree(evalDir.resolve(EvaluationWriter.SUMMARY_JSON).toFile());
    assertEquals(torch.at("/none/accuracy").asDouble(), summary.get("top1_accuracy").asDouble(), 1e-9);
    assertEquals(torch.at("/none/loss").asDouble(), summary.get("log_loss").asDouble(), TOLERANCE);
    assertEquals("five_crop", summary.at("/tta/mode").asText());
    assertEquals(torch.at("/five_crop/accuracy").asDouble(), summary.at("/tta/top1_accuracy").asDouble(), 1e-9);
    assertEquals(torch.at("/five_crop/loss").asDouble(), summary.at("/tta/log_loss").asDouble(), TOLERANCE);
    Path ttaDir = EvaluationWriter.ttaDirectory(evalDir, TestTimeAugmentation.FIVE_CROP);
    JsonNode ttaSummary = new ObjectMapper().readTree(ttaDir.resolve(EvaluationWriter.SUMMARY_JSON).toFile());
    assertEquals(summary.at("/tta/top1_accuracy").asDouble(), ttaSummary.get("top1_accuracy").asDouble(), 0);
    assertTrue(Files.isRegularFile(ttaDir.resolve(EvaluationWriter.REPORT_CSV)), "per-class report of the TTA run");
    assertTrue(Files.readString(run.resolve("report.html")).contains("with test-time augmentation (five_crop"));
  }

  @Test
  void javaApiGivesTorchsAveragedProbabilitiesPerImage() throws Exception {
    for (TestTimeAugmentation tta : List.of(TestTimeAugmentation.FLIP, TestTimeAugmentation.TEN_CROP)) {
      RunEvaluation.Outcome outcome = RunEvaluation.evaluate(run, dir.resolve("data/val"), tta);
      String mode = tta.name().toLowerCase(java.util.Locale.ROOT);
      assertProbabilities(torch.at("/" + mode + "/probabilities"), outcome.result().augmented(), mode);
      assertProbabilities(torch.at("/none/probabilities"), outcome.result().plain(), mode + " (plain view)");
    }
    double largest = 0;
    for (int i = 0; i < torch.at("/none/probabilities").size(); i++) {
      for (int c = 0; c < CLASSES.size(); c++) {
        largest = Math.max(largest, Math.abs(torch.at("/none/probabilities").get(i).get(c).asDouble()
            - torch.at("/ten_crop/probabilities").get(i).get(c).asDouble()));
      }
    }
    assertTrue(largest > 1e-2, "the views must change the probabilities for the comparison to mean anything: "
        + largest);
  }

  @Test
  void selectBestOnTtaTracksTheTtaAccuracy() throws Exception {
    RunConfig config = ConfigLoader.parse(config(dir.resolve("runs-select"), "{mode: flip, select_best: true}", true),
        "test", List.of());
    TrainingRun.Outcome outcome = TrainingRun.start(config, new PrintStream(new ByteArrayOutputStream()), false);
    List<String> csv = Files.readAllLines(outcome.runDir().resolve("metrics.csv"));
    List<String> header = Arrays.asList(csv.get(0).split(",", -1));
    double best = -1;
    int bestEpoch = -1;
    for (String line : csv.subList(1, csv.size())) {
      String[] cells = line.split(",", -1);
      if (cells[2].equals("val") && Double.parseDouble(cells[header.indexOf("tta_acc")]) > best) {
        best = Double.parseDouble(cells[header.indexOf("tta_acc")]);
        bestEpoch = Integer.parseInt(cells[0]);
      }
    }
    StateDict weights = StateDict.read(outcome.runDir().resolve(Checkpoints.BEST));
    assertEquals(String.valueOf(bestEpoch), weights.metadata().get("epoch"));
    assertEquals(best, Double.parseDouble(weights.metadata().get("val_tta_accuracy")), 1e-6);
  }

  @Test
  void badTtaSettingsAreOneLineErrorsNamingTheKey() {
    String unknownMode = assertThrows(Exception.class, () -> ConfigLoader.parse(config(dir.resolve("x"),
        "{mode: six_crop}", false), "test", List.of())).getMessage();
    assertTrue(unknownMode.contains("tta.mode must be one of none, flip, five_crop, ten_crop"), unknownMode);
    String typo = assertThrows(Exception.class, () -> ConfigLoader.parse(config(dir.resolve("x"), "{mod: flip}",
        false), "test", List.of())).getMessage();
    assertTrue(typo.contains("did you mean 'mode'"), typo);
    String selectAlone = assertThrows(Exception.class, () -> ConfigLoader.parse(config(dir.resolve("x"),
        "{select_best: true}", false), "test", List.of())).getMessage();
    assertTrue(selectAlone.contains("tta.select_best needs tta.mode"), selectAlone);
    String noCrop = assertThrows(Exception.class, () -> TrainingRun.start(ConfigLoader.parse(config(dir.resolve("y"),
        "{mode: ten_crop}", false).replace("[{resize: {size: 40}}, {center_crop: {size: 32}}]",
        "[{resize: {size: 40}}, {random_resized_crop: {size: 32}}]"), "test", List.of()), new PrintStream(new ByteArrayOutputStream()), false))
        .getMessage();
    assertTrue(noCrop.startsWith("tta.mode ten_crop:") && noCrop.contains("deterministic"), noCrop);
  }

  private static void assertProbabilities(JsonNode expected, Evaluation actual, String what) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < actual.size(); i++) {
      // the evaluation's rows follow the loader: datasetIndices map them to ImageFolder order
      JsonNode row = expected.get(actual.datasetIndices()[i]);
      float[] p = new float[row.size()];
      for (int c = 0; c < p.length; c++) {
        p[c] = (float) row.get(c).asDouble();
      }
      assertArrayEquals(p, actual.probabilities()[i], 1e-4f, what + " image " + i);
    }
  }

  private static String config(Path output, String tta, boolean twoEpochs) {
    return """
        model: {arch: resnet18}
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: 32}}]
          val_transforms: [{resize: {size: 40}}, {center_crop: {size: 32}}]
          normalize: {mean: [%s], std: [%s]}
          batch_size: 6
          val_batch_size: 4
          workers: 1
        stages: [{epochs: %d, groups: [{lr: 0.05}]}]
        validate_before_training: %s
        tta: %s
        output_dir: %s
        seed: 3
        threads: 2
        """.formatted(dir.resolve("data"), join(MEAN).replace(",", ", "), join(STD).replace(",", ", "),
        twoEpochs ? 2 : 1, twoEpochs, tta, output);
  }

  private static String join(float[] values) {
    List<String> out = new ArrayList<>();
    for (float v : values) {
      out.add(String.valueOf(v));
    }
    return String.join(",", out);
  }

  private static void writePng(Path file, int width, int height, SplittableRandom random) throws Exception {
    Files.createDirectories(file.getParent());
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int r0 = random.nextInt(256);
    int g0 = random.nextInt(256);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        // a gradient plus noise: the views differ, so averaging them changes the probabilities
        int r = (r0 + 5 * x + random.nextInt(40)) & 0xff;
        int g = (g0 + 3 * y + random.nextInt(40)) & 0xff;
        int b = (x * y + random.nextInt(40)) & 0xff;
        image.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    ImageIO.write(image, "png", file.toFile());
  }
}
