package dev.tfjtransfer.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** A model's output for one image: logits and their softmax. */
public record Prediction(float[] logits, float[] probabilities) {
  /** One class of a top-k list. */
  public record Scored(int index, float probability) {}

  public static Prediction fromLogits(float[] logits) {
    return new Prediction(logits.clone(), softmax(logits));
  }

  /**
   * The test-time augmented prediction of one image from its views' logits, rows {@code firstRow}
   * to {@code firstRow + views - 1} of a row-major {@code rows x classes} array: probabilities are
   * the mean of the views' softmax (what torchvision's TenCrop recipe averages), logits the mean
   * of their logits.
   */
  public static Prediction ofViews(float[] logits, int firstRow, int views, int classes) {
    if (views == 1) {
      return fromLogits(Arrays.copyOfRange(logits, firstRow * classes, (firstRow + 1) * classes));
    }
    double[] logitSums = new double[classes];
    double[] probabilitySums = new double[classes];
    for (int v = 0; v < views; v++) {
      int from = (firstRow + v) * classes;
      float[] p = softmax(Arrays.copyOfRange(logits, from, from + classes));
      for (int c = 0; c < classes; c++) {
        logitSums[c] += logits[from + c];
        probabilitySums[c] += p[c];
      }
    }
    float[] meanLogits = new float[classes];
    float[] meanProbabilities = new float[classes];
    for (int c = 0; c < classes; c++) {
      meanLogits[c] = (float) (logitSums[c] / views);
      meanProbabilities[c] = (float) (probabilitySums[c] / views);
    }
    return new Prediction(meanLogits, meanProbabilities);
  }

  /** The k most probable classes, most probable first (ties by lower index). */
  public List<Scored> top(int k) {
    List<Scored> all = new ArrayList<>(IntStream.range(0, probabilities.length)
        .mapToObj(i -> new Scored(i, probabilities[i])).toList());
    all.sort(Comparator.comparingDouble((Scored s) -> -s.probability()).thenComparingInt(Scored::index));
    return all.subList(0, Math.min(k, all.size()));
  }

  public int argmax() {
    return top(1).get(0).index();
  }

  static float[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] e = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      e[i] = Math.exp(logits[i] - max);
      sum += e[i];
    }
    float[] p = new float[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (e[i] / sum);
    }
    return p;
  }
}
