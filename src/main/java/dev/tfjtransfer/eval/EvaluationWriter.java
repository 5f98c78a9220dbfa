package dev.tfjtransfer.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Pipeline;
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
 * highest probability, true and predicted labels under each image).
 */
public final class EvaluationWriter {
  public static final String REPORT_CSV = "classification_report.csv";
  public static final String CONFUSION_CSV = "confusion_matrix.csv";
  public static final String CONFUSION_PNG = "confusion_matrix.png";
  public static final String SUMMARY_JSON = "summary.json";
  public static final String ERRORS_PNG = "most_confident_errors.png";
  private static final int ERROR_GRID_SIZE = 12;

  private EvaluationWriter() {}

  /**
   * @param dataset the evaluated images, to draw the errors ({@link Evaluation#datasetIndices()} index it)
   * @param pipeline the evaluation's preprocessing, to show the images as the model saw them
   * @param source what was evaluated, for summary.json (e.g. the image directory)
   */
  public static void write(Evaluation evaluation, Dataset dataset, Pipeline pipeline, String source, Path dir)
      throws IOException {
    Directories.create(dir);
    ClassificationMetrics metrics = evaluation.metrics();
    AtomicFiles.writeString(dir.resolve(REPORT_CSV), metrics.toCsv());
    AtomicFiles.writeString(dir.resolve(CONFUSION_CSV), confusionCsv(metrics));
    AtomicFiles.writePng(dir.resolve(CONFUSION_PNG), ConfusionMatrixPlot.draw(metrics));
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode summary = json.createObjectNode();
    summary.put("source", source);
    summary.put("images", evaluation.size());
    summary.put("top1_accuracy", metrics.top1Accuracy());
    summary.put("top5_accuracy", metrics.top5Accuracy());
    summary.put("seconds", evaluation.seconds());
    summary.putPOJO("classes", evaluation.classes());
    AtomicFiles.writeString(dir.resolve(SUMMARY_JSON), json.writeValueAsString(summary) + "\n");
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
