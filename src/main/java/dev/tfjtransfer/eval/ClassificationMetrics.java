package dev.tfjtransfer.eval;

import java.util.List;
import java.util.Locale;

/**
 * Confusion matrix, per-class precision / recall / F1 / support, their macro and support-weighted
 * averages, and top-1 / top-5 accuracy, defined as scikit-learn's {@code confusion_matrix},
 * {@code classification_report} (with {@code zero_division=0}: a class never predicted has
 * precision 0) and {@code top_k_accuracy_score} define them.
 */
public final class ClassificationMetrics {
  private final List<String> classes;
  private final long[][] confusion;
  private final double top1;
  private final double top5;
  private final int count;

  private ClassificationMetrics(List<String> classes, long[][] confusion, double top1, double top5, int count) {
    this.classes = classes;
    this.confusion = confusion;
    this.top1 = top1;
    this.top5 = top5;
    this.count = count;
  }

  static ClassificationMetrics of(Evaluation evaluation) {
    int n = evaluation.classes().size();
    long[][] confusion = new long[n][n];
    for (int i = 0; i < evaluation.size(); i++) {
      confusion[evaluation.labels()[i]][evaluation.predicted(i)]++;
    }
    return new ClassificationMetrics(evaluation.classes(), confusion, topKAccuracy(evaluation, 1),
        topKAccuracy(evaluation, 5), evaluation.size());
  }

  /**
   * The share of images whose true class is among the k highest scores; as in scikit-learn, k at
   * or above the number of classes counts every image. A true class tied with the k-th score counts.
   */
  public static double topKAccuracy(Evaluation evaluation, int k) {
    if (evaluation.size() == 0) {
      return Double.NaN;
    }
    int hits = 0;
    for (int i = 0; i < evaluation.size(); i++) {
      float[] p = evaluation.probabilities()[i];
      float truth = p[evaluation.labels()[i]];
      int higher = 0;
      for (float v : p) {
        if (v > truth) {
          higher++;
        }
      }
      if (higher < k) {
        hits++;
      }
    }
    return (double) hits / evaluation.size();
  }

  public List<String> classes() {
    return classes;
  }

  /** Row = true class, column = predicted class, as scikit-learn's confusion_matrix. */
  public long[][] confusionMatrix() {
    long[][] copy = new long[confusion.length][];
    for (int i = 0; i < confusion.length; i++) {
      copy[i] = confusion[i].clone();
    }
    return copy;
  }

  /** Each row divided by its sum (the class's recall on the diagonal); a row without images stays 0. */
  public double[][] rowNormalizedConfusionMatrix() {
    double[][] out = new double[confusion.length][confusion.length];
    for (int t = 0; t < confusion.length; t++) {
      long support = support(t);
      for (int p = 0; p < confusion.length; p++) {
        out[t][p] = support == 0 ? 0 : (double) confusion[t][p] / support;
      }
    }
    return out;
  }

  public int count() {
    return count;
  }

  public double top1Accuracy() {
    return top1;
  }

  public double top5Accuracy() {
    return top5;
  }

  public long support(int c) {
    long sum = 0;
    for (long v : confusion[c]) {
      sum += v;
    }
    return sum;
  }

  private long predictedCount(int c) {
    long sum = 0;
    for (long[] row : confusion) {
      sum += row[c];
    }
    return sum;
  }

  public double precision(int c) {
    long predicted = predictedCount(c);
    return predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
  }

  public double recall(int c) {
    long support = support(c);
    return support == 0 ? 0 : (double) confusion[c][c] / support;
  }

  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** classification_report's "accuracy": the confusion matrix's trace over its sum. */
  public double accuracy() {
    long correct = 0;
    for (int c = 0; c < confusion.length; c++) {
      correct += confusion[c][c];
    }
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  /** precision, recall, F1 averaged over classes, unweighted ("macro avg"). */
  public double[] macroAverage() {
    return average(false);
  }

  /** precision, recall, F1 averaged over classes, weighted by support ("weighted avg"). */
  public double[] weightedAverage() {
    return average(true);
  }

  private double[] average(boolean bySupport) {
    double[] sum = new double[3];
    double weights = 0;
    for (int c = 0; c < classes.size(); c++) {
      double w = bySupport ? support(c) : 1;
      sum[0] += w * precision(c);
      sum[1] += w * recall(c);
      sum[2] += w * f1(c);
      weights += w;
    }
    for (int i = 0; i < 3; i++) {
      sum[i] = weights == 0 ? 0 : sum[i] / weights;
    }
    return sum;
  }

  /**
   * classification_report as CSV: one row per class, then accuracy (in the F1 column, as the
   * text report prints it), macro avg and weighted avg.
   */
  public String toCsv() {
    StringBuilder csv = new StringBuilder("class,precision,recall,f1-score,support\n");
    for (int c = 0; c < classes.size(); c++) {
      csv.append(row(csvField(classes.get(c)), precision(c), recall(c), f1(c), support(c)));
    }
    csv.append(String.format(Locale.ROOT, "accuracy,,,%.6f,%d%n", accuracy(), count));
    double[] macro = macroAverage();
    double[] weighted = weightedAverage();
    csv.append(row("macro avg", macro[0], macro[1], macro[2], count));
    csv.append(row("weighted avg", weighted[0], weighted[1], weighted[2], count));
    return csv.toString();
  }

  private static String row(String name, double precision, double recall, double f1, long support) {
    return String.format(Locale.ROOT, "%s,%.6f,%.6f,%.6f,%d%n", name, precision, recall, f1, support);
  }

  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
