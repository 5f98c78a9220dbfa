package dev.tfjtransfer.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.Transforms;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confusion matrix, classification report and top-k accuracy against scikit-learn (Debian's
 * python3-sklearn, tests/parity/make_classification_refs.py) on 157 images of 7 classes, one of
 * them never true and one never predicted; and the files EvaluationWriter makes of them.
 */
class ClassificationMetricsTest {
  private static final List<String> CLASSES = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6");
  private static Evaluation evaluation;
  private static JsonNode sklearn;

  @TempDir
  Path dir;

  @BeforeAll
  static void references() throws Exception {
    Path refs = TorchReferences.generate("make_classification_refs.py", "classification-refs");
    sklearn = new ObjectMapper().readTree(refs.resolve("sklearn.json").toFile());
    List<String> rows = Files.readAllLines(refs.resolve("scores.csv"));
    int[] labels = new int[rows.size()];
    float[][] probabilities = new float[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i).split(",");
      labels[i] = Integer.parseInt(cells[0]);
      probabilities[i] = new float[cells.length - 1];
      for (int c = 1; c < cells.length; c++) {
        probabilities[i][c - 1] = Float.parseFloat(cells[c]);
      }
    }
    evaluation = new Evaluation(CLASSES, labels, probabilities, IntStream.range(0, rows.size()).toArray(), 1.0);
  }

  @Test
  void matchesScikitLearn() {
    ClassificationMetrics m = evaluation.metrics();
    long[][] confusion = m.confusionMatrix();
    for (int t = 0; t < CLASSES.size(); t++) {
      long[] expected = new long[CLASSES.size()];
      for (int p = 0; p < expected.length; p++) {
        expected[p] = sklearn.get("confusion").get(t).get(p).asLong();
      }
      assertArrayEquals(expected, confusion[t], "confusion row " + t);
    }
    JsonNode report = sklearn.get("report");
    for (int c = 0; c < CLASSES.size(); c++) {
      JsonNode r = report.get(Integer.toString(c));
      assertEquals(r.get("precision").asDouble(), m.precision(c), 1e-12, "precision " + c);
      assertEquals(r.get("recall").asDouble(), m.recall(c), 1e-12, "recall " + c);
      assertEquals(r.get("f1-score").asDouble(), m.f1(c), 1e-12, "f1 " + c);
      assertEquals(r.get("support").asLong(), m.support(c), "support " + c);
    }
    assertEquals(report.get("accuracy").asDouble(), m.accuracy(), 1e-12);
    assertAverage(report.get("macro avg"), m.macroAverage());
    assertAverage(report.get("weighted avg"), m.weightedAverage());
    assertEquals(sklearn.get("top1").asDouble(), m.top1Accuracy(), 1e-12);
    assertEquals(sklearn.get("top5").asDouble(), m.top5Accuracy(), 1e-12);
    assertTrue(m.top5Accuracy() < 1, "k=5 of 7 classes must not be trivially perfect here");
  }

  private static void assertAverage(JsonNode expected, double[] actual) {
    assertEquals(expected.get("precision").asDouble(), actual[0], 1e-12);
    assertEquals(expected.get("recall").asDouble(), actual[1], 1e-12);
    assertEquals(expected.get("f1-score").asDouble(), actual[2], 1e-12);
  }

  @Test
  void writesReportCsvConfusionMatrixAndErrorGrid() throws Exception {
    Pipeline pipeline = new Pipeline(List.of(Transforms.centerCrop(16)), Normalization.IMAGENET, 16);
    EvaluationWriter.write(evaluation, new SolidImages(evaluation), pipeline, "test", dir);

    // the CSV read back holds sklearn's numbers to its 6 decimals
    List<String> csv = Files.readAllLines(dir.resolve(EvaluationWriter.REPORT_CSV));
    assertEquals("class,precision,recall,f1-score,support", csv.get(0));
    assertEquals(1 + CLASSES.size() + 3, csv.size());
    JsonNode report = sklearn.get("report");
    for (int c = 0; c < CLASSES.size(); c++) {
      String[] cells = csv.get(1 + c).split(",");
      assertEquals(CLASSES.get(c), cells[0]);
      JsonNode r = report.get(Integer.toString(c));
      assertEquals(r.get("precision").asDouble(), Double.parseDouble(cells[1]), 1e-6);
      assertEquals(r.get("recall").asDouble(), Double.parseDouble(cells[2]), 1e-6);
      assertEquals(r.get("f1-score").asDouble(), Double.parseDouble(cells[3]), 1e-6);
      assertEquals(r.get("support").asLong(), Long.parseLong(cells[4]));
    }
    String[] accuracy = csv.get(1 + CLASSES.size()).split(",");
    assertEquals("accuracy", accuracy[0]);
    assertEquals(report.get("accuracy").asDouble(), Double.parseDouble(accuracy[3]), 1e-6);
    String[] weighted = csv.get(csv.size() - 1).split(",");
    assertEquals("weighted avg", weighted[0]);
    assertEquals(report.get("weighted avg").get("f1-score").asDouble(), Double.parseDouble(weighted[3]), 1e-6);

    JsonNode summary = new ObjectMapper().readTree(dir.resolve(EvaluationWriter.SUMMARY_JSON).toFile());
    assertEquals(sklearn.get("top5").asDouble(), summary.get("top5_accuracy").asDouble(), 1e-12);
    assertEquals(157, summary.get("images").asInt());

    BufferedImage confusion = ImageIO.read(dir.resolve(EvaluationWriter.CONFUSION_PNG).toFile());
    assertTrue(confusion.getWidth() > 2 * 7 * 14 && confusion.getHeight() > 7 * 14);

    // 12 most confidently wrong images in a 4-wide grid; the first is the wrong prediction with
    // the highest probability, and each tile shows that image (its solid colour encodes its index)
    List<Integer> errors = EvaluationWriter.mostConfidentErrors(evaluation, 12);
    assertEquals(12, errors.size());
    double best = 0;
    for (int i = 0; i < evaluation.size(); i++) {
      if (evaluation.predicted(i) != evaluation.labels()[i]) {
        best = Math.max(best, evaluation.probabilities()[i][evaluation.predicted(i)]);
      }
    }
    int first = errors.get(0);
    assertEquals(best, evaluation.probabilities()[first][evaluation.predicted(first)], 0);
    BufferedImage grid = ImageIO.read(dir.resolve(EvaluationWriter.ERRORS_PNG).toFile());
    assertEquals(4 * 16, grid.getWidth());
    assertEquals(3 * (16 + 2 * 18), grid.getHeight(), "two caption lines: true, predicted");
    for (int k = 0; k < errors.size(); k++) {
      int rgb = grid.getRGB((k % 4) * 16 + 8, (k / 4) * (16 + 36) + 36 + 8);
      assertEquals(SolidImages.red(errors.get(k)), (rgb >> 16) & 0xff, 1, "tile " + k);
    }
  }

  /** Image i is a solid 20x20 square whose red channel encodes i. */
  private record SolidImages(Evaluation evaluation) implements Dataset {
    static int red(int index) {
      return index % 256;
    }

    @Override
    public int size() {
      return evaluation.size();
    }

    @Override
    public List<String> classes() {
      return evaluation.classes();
    }

    @Override
    public int label(int index) {
      return evaluation.labels()[index];
    }

    @Override
    public RgbImage image(int index) {
      byte[] px = new byte[20 * 20 * 3];
      for (int p = 0; p < 400; p++) {
        px[3 * p] = (byte) red(index);
      }
      return new RgbImage(20, 20, px);
    }

    @Override
    public String describe(int index) {
      return "solid " + index;
    }
  }
}
