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
        for (int i = 0; i < 4; i++) {
          // non-square, odd sizes: the corner crops of FiveCrop differ from the centre one
          writePng(dir.resolve("data").resolve(split).resolve(c).resolve(i + ".png"), 38 + 3 * i, 51 - 2 * i,
              CLASSES.indexOf(c), random);
        }
      }
    }
    RunConfig config = ConfigLoader.parse(config(dir.resolve("data"), dir.resolve("runs"), "{mode: ten_crop}", 1),
        "test", List.of());
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
    assertTrue(console.contains(String.format(java.util.Locale.ROOT, "with five_crop TTA (5 views): 12 images:"
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

  /**
   * Classes told apart by which half is bright: flip TTA averages each image with its mirror, a
   * picture of the other class, so the TTA accuracy ranks the epochs unlike the plain one.
   */
  @Test
  void selectBestFollowsTheTtaAccuracyWhenAskedTo() throws Exception {
    SplittableRandom random = new SplittableRandom(9);
    Path mirrored = dir.resolve("mirrored");
    for (String split : List.of("train", "val")) {
      for (int c = 0; c < 2; c++) {
        for (int i = 0; i < 4; i++) {
          writeHalfBright(mirrored.resolve(split).resolve(c == 0 ? "left" : "right").resolve(i + ".png"), c == 0,
              random);
        }
      }
    }
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    RunConfig config = ConfigLoader.parse(config(mirrored, dir.resolve("runs-select"),
        "{mode: flip, select_best: true}", 4), "test", List.of());
    Path selected = TrainingRun.start(config, new PrintStream(console, true), false).runDir();
    List<String> csv = Files.readAllLines(selected.resolve("metrics.csv"));
    int ttaBest = bestEpoch(csv, "tta_acc");
    assertTrue(ttaBest != bestEpoch(csv, "acc"), "the fixture must rank epochs differently by TTA:\n" + csv);
    StateDict weights = StateDict.read(selected.resolve(Checkpoints.BEST));
    assertEquals(String.valueOf(ttaBest), weights.metadata().get("epoch"));
    String printed = console.toString();
    assertTrue(printed.contains("best val tta acc ") && printed.contains(" at epoch " + ttaBest + ";"), printed);
    assertTrue(printed.lines().filter(l -> l.matches("epoch \\d+/\\d+ val .*"))
        .allMatch(l -> l.contains("| tta loss ")), printed);
  }

  /** The first epoch with the highest validation figure in {@code column}. */
  private static int bestEpoch(List<String> csv, String column) {
    int index = Arrays.asList(csv.get(0).split(",", -1)).indexOf(column);
    double best = -1;
    int epoch = -1;
    for (String line : csv.subList(1, csv.size())) {
      String[] cells = line.split(",", -1);
      if (cells[2].equals("val") && Double.parseDouble(cells[index]) > best) {
        best = Double.parseDouble(cells[index]);
        epoch = Integer.parseInt(cells[0]);
      }
    }
    return epoch;
  }

  @Test
  void badTtaSettingsAreOneLineErrorsNamingTheKey() {
    String unknownMode = assertThrows(Exception.class, () -> ConfigLoader.parse(config(dir.resolve("data"),
        dir.resolve("x"), "{mode: six_crop}", 1), "test", List.of())).getMessage();
    assertTrue(unknownMode.contains("tta.mode must be one of none, flip, five_crop, ten_crop"), unknownMode);
    String typo = assertThrows(Exception.class, () -> ConfigLoader.parse(config(dir.resolve("data"), dir.resolve("x"),
        "{mod: flip}", 1), "test", List.of())).getMessage();
    assertTrue(typo.contains("did you mean 'mode'"), typo);
    String selectAlone = assertThrows(Exception.class, () -> ConfigLoader.parse(config(dir.resolve("data"),
        dir.resolve("x"), "{select_best: true}", 1), "test", List.of())).getMessage();
    assertTrue(selectAlone.contains("tta.select_best needs tta.mode"), selectAlone);
    String randomVal = assertThrows(Exception.class, () -> TrainingRun.start(ConfigLoader.parse(config(
        dir.resolve("data"), dir.resolve("y"), "{mode: ten_crop}", 1).replace("[{resize: {size: 40}}, {center_crop: {size: 32}}]",
        "[{resize: {size: 40}}, {random_resized_crop: {size: 32}}]"), "test", List.of()),
        new PrintStream(new ByteArrayOutputStream()), false))
        .getMessage();
    assertTrue(randomVal.startsWith("tta.mode ten_crop:") && randomVal.contains("deterministic"), randomVal);
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

  private static String config(Path root, Path output, String tta, int epochs) {
    return """
        model: {arch: resnet18}
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: 32}}]
          val_transforms: [{resize: {size: 40}}, {center_crop: {size: 32}}]
          normalize: {mean: [%s], std: [%s]}
          batch_size: 4
          val_batch_size: 4
          workers: 1
        freeze: [all-but-head]
        stages: [{epochs: %d, groups: [{lr: 0.05}]}]
        validate_before_training: %s
        tta: %s
        output_dir: %s
        seed: 3
        threads: 2
        """.formatted(root, join(MEAN).replace(",", ", "), join(STD).replace(",", ", "),
        epochs, epochs > 1, tta, output);
  }

  private static String join(float[] values) {
    List<String> out = new ArrayList<>();
    for (float v : values) {
      out.add(String.valueOf(v));
    }
    return String.join(",", out);
  }

  private static void writeHalfBright(Path file, boolean left, SplittableRandom random) throws Exception {
    Files.createDirectories(file.getParent());
    BufferedImage image = new BufferedImage(44, 40, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 40; y++) {
      for (int x = 0; x < 44; x++) {
        int v = Math.min(255, (x < 22 == left ? 150 : 40) + random.nextInt(80));
        image.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    ImageIO.write(image, "png", file.toFile());
  }

  /** A gradient plus noise (the views differ), brighter in the channel of its class (so it can be learned). */
  private static void writePng(Path file, int width, int height, int label, SplittableRandom random)
      throws Exception {
    Files.createDirectories(file.getParent());
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int[] rgb = {3 * x + random.nextInt(60), 3 * y + random.nextInt(60), x + y + random.nextInt(60)};
        rgb[label] += 40;
        image.setRGB(x, y, (Math.min(255, rgb[0]) << 16) | (Math.min(255, rgb[1]) << 8) | Math.min(255, rgb[2]));
      }
    }
    ImageIO.write(image, "png", file.toFile());
  }
}
