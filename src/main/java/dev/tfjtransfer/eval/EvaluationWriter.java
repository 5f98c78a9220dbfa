package dev.tfjtransfer.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.train.callbacks.ImageGrid;
import dev.tfjtransfer.util.AtomicFiles;
import dev.tfjtransfer.util.Directories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes an {@link Evaluation} to a directory: {@code classification_report.csv},
 * {@code confusion_matrix.csv} and {@code .png}, {@code summary.json} (top-1 / top-5 accuracy,
 * image count, time) and {@code most_confident_errors.png} (the wrong predictions with the
 * highest probability, true and predicted labels under each image). A test-time augmented
 * evaluation goes beside it: the same files in {@code tta-<mode>/}, and its headline figures under
 * {@code "tta"} in the plain summary.json.
 */
public final class EvaluationWriter {
  public static final String REPORT_CSV = "classification_report.csv";
  public static final String CONFUSION_CSV = "confusion_matrix.csv";
  public static final String CONFUSION_PNG = "confusion_matrix.png";
  public static final String SUMMARY_JSON = "summary.json";
  public static final String ERRORS_PNG = "most_confident_errors.png";
  /** Prefix of the subdirectory of a test-time augmented evaluation ({@code tta-ten_crop}). */
  public static final String TTA_DIR_PREFIX = "tta-";
  private static final int ERROR_GRID_SIZE = 12;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private EvaluationWriter() {}

  /**
   * @param dataset the evaluated images, to draw the errors ({@link Evaluation#datasetIndices()} index it)
   * @param pipeline the evaluation's preprocessing, to show the images as the model saw them
   * @param source what was evaluated, for summary.json (e.g. the image directory)
   */
  public static void write(Evaluation evaluation, Dataset dataset, Pipeline pipeline, String source, Path dir)
      throws IOException {
    write(new Evaluator.WithTta(TestTimeAugmentation.NONE, evaluation, evaluation), dataset, pipeline, source, dir);
  }

  /** The plain evaluation in {@code dir}, the augmented one (unless NONE) in {@link #ttaDirectory}. */
  public static void write(Evaluator.WithTta result, Dataset dataset, Pipeline pipeline, String source, Path dir)
      throws IOException {
    ObjectNode tta = null;
    if (result.tta() != TestTimeAugmentation.NONE) {
      tta = headline(result.augmented());
      tta.put("mode", mode(result.tta()));
      tta.put("views", result.tta().views());
      ObjectNode augmentedExtra = JSON.createObjectNode();
      augmentedExtra.put("test_time_augmentation", mode(result.tta()));
      writeOne(result.augmented(), dataset, pipeline, source, ttaDirectory(dir, result.tta()), augmentedExtra, null);
    }
    writeOne(result.plain(), dataset, pipeline, source, dir, null, tta);
  }

  /** Where {@link #write(Evaluator.WithTta, Dataset, Pipeline, String, Path)} puts the augmented evaluation. */
  public static Path ttaDirectory(Path dir, TestTimeAugmentation tta) {
    return dir.resolve(TTA_DIR_PREFIX + mode(tta));
  }

  private static String mode(TestTimeAugmentation tta) {
    return tta.name().toLowerCase(Locale.ROOT);
  }

  private static ObjectNode headline(Evaluation evaluation) {
    ClassificationMetrics metrics = evaluation.metrics();
    ObjectNode node = JSON.createObjectNode();
    node.put("top1_accuracy", metrics.top1Accuracy());
    node.put("top5_accuracy", metrics.top5Accuracy());
    node.put("log_loss", evaluation.logLoss());
    node.put("macro_f1", metrics.macroAverage()[2]);
    return node;
  }

  private static void writeOne(Evaluation evaluation, Dataset dataset, Pipeline pipeline, String source, Path dir,
      ObjectNode extra, ObjectNode tta) throws IOException {
    Directories.create(dir);
    ClassificationMetrics metrics = evaluation.metrics();
    AtomicFiles.writeString(dir.resolve(REPORT_CSV), metrics.toCsv());
    AtomicFiles.writeString(dir.resolve(CONFUSION_CSV), confusionCsv(metrics));
    AtomicFiles.writePng(dir.resolve(CONFUSION_PNG), ConfusionMatrixPlot.draw(metrics));
    ObjectNode summary = JSON.createObjectNode();
    summary.put("source", source);
    if (extra != null) {
      summary.setAll(extra);
    }
    summary.put("images", evaluation.size());
    summary.setAll(headline(evaluation));
    summary.put("seconds", evaluation.seconds());
    summary.putPOJO("classes", evaluation.classes());
    if (tta != null) {
      summary.set("tta", tta);
    }
    AtomicFiles.writeString(dir.resolve(SUMMARY_JSON), JSON.writeValueAsString(summary) + "\n");
    Files.deleteIfExists(dir.resolve(ERRORS_PNG));
    List<Integer> errors = mostConfidentErrors(evaluation, ERROR_GRID_SIZE);
    if (!errors.isEmpty()) {
      writeErrorGrid(evaluation, errors, dataset, pipeline, dir.resolve(ERRORS_PNG));
    }
  }

  /** Positions of wrongly classified images, highest predicted probability first. */
  public static List<Integer> mostConfidentErrors(Evaluation evaluation, int limit) {
    return IntStream.range(0, evaluation.size())
        .filter(i -> evaluation.predicted(i) != evaluation.labels()[i]).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -evaluation.probabilities()[i][evaluation.predicted(i)])
            .thenComparingInt(i -> i))
        .limit(limit).toList();
  }

  private static void writeErrorGrid(Evaluation evaluation, List<Integer> errors, Dataset dataset, Pipeline pipeline,
      Path file) throws IOException {
    int per = pipeline.floatsPerImage();
    float[] images = new float[errors.size() * per];
    List<ImageGrid.Caption> captions = new ArrayList<>();
    for (int k = 0; k < errors.size(); k++) {
      int i = errors.get(k);
      pipeline.apply(dataset.image(evaluation.datasetIndices()[i]), new SplittableRandom(0), images, k * per);
      int predicted = evaluation.predicted(i);
      captions.add(new ImageGrid.Caption(String.format(Locale.ROOT, "true %s\npred %s %.2f",
          evaluation.classes().get(evaluation.labels()[i]), evaluation.classes().get(predicted),
          evaluation.probabilities()[i][predicted]), false));
    }
    ImageGrid.write(file, images, pipeline.size(), errors.size(), captions, pipeline.normalization());
  }

  private static String confusionCsv(ClassificationMetrics metrics) {
    StringBuilder csv = new StringBuilder("true\\predicted");
    metrics.classes().forEach(c -> csv.append(',').append(c.replace(",", " ")));
    csv.append('\n');
    long[][] counts = metrics.confusionMatrix();
    for (int t = 0; t < counts.length; t++) {
      csv.append(metrics.classes().get(t).replace(",", " "));
      for (long v : counts[t]) {
        csv.append(',').append(v);
      }
      csv.append('\n');
    }
    return csv.toString();
  }
}
