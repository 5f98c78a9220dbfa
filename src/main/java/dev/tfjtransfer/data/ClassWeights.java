package dev.tfjtransfer.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-class weights for imbalanced data: scikit-learn's {@code compute_class_weight("balanced")},
 * n_samples / (n_classes * count[c]), for a weighted loss or a weighted sampler.
 */
public final class ClassWeights {
  private ClassWeights() {}

  /** How many samples of each class {@code dataset} holds. */
  public static int[] counts(Dataset dataset) {
    int[] counts = new int[dataset.classes().size()];
    for (int i = 0; i < dataset.size(); i++) {
      counts[dataset.label(i)]++;
    }
    return counts;
  }

  /**
   * n_samples / (n_classes * count[c]) for each class.
   *
   * @throws IllegalArgumentException if a class has no sample (scikit-learn refuses it too)
   */
  public static List<Double> balanced(int[] counts) {
    long total = 0;
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] == 0) {
        throw new IllegalArgumentException("class " + c + " has no training sample: 'balanced' weights need every"
            + " class present");
      }
      total += counts[c];
    }
    List<Double> weights = new ArrayList<>();
    for (int count : counts) {
      weights.add((double) total / ((double) counts.length * count));
    }
    return weights;
  }

  /** Each sample's weight: its class's weight (what a weighted sampler draws by). */
  public static double[] perSample(Dataset dataset, List<Double> classWeights) {
    if (classWeights.size() != dataset.classes().size()) {
      throw new IllegalArgumentException(classWeights.size() + " class weights for " + dataset.classes().size()
          + " classes " + dataset.classes());
    }
    double[] weights = new double[dataset.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = classWeights.get(dataset.label(i));
    }
    return weights;
  }
}
