package dev.tfjtransfer.eval;

import java.util.List;

/**
 * A model's outputs on a labelled image set: for each image its true class, its class
 * probabilities (softmax of the logits) and where it came from in the dataset.
 *
 * @param classes class names, index = label
 * @param labels true class per image
 * @param probabilities per image, one probability per class
 * @param datasetIndices per image, its index in the dataset (unreadable images are left out)
 * @param seconds wall time of the forward passes and preprocessing
 */
public record Evaluation(List<String> classes, int[] labels, float[][] probabilities, int[] datasetIndices,
    double seconds) {
  public Evaluation {
    if (labels.length != probabilities.length || labels.length != datasetIndices.length) {
      throw new IllegalArgumentException("labels, probabilities and datasetIndices differ in length: "
          + labels.length + ", " + probabilities.length + ", " + datasetIndices.length);
    }
    for (float[] p : probabilities) {
      if (p.length != classes.size()) {
        throw new IllegalArgumentException("a probability row has " + p.length + " entries for " + classes.size()
            + " classes");
      }
    }
  }

  public int size() {
    return labels.length;
  }

  /** The most probable class of image {@code i} (the lower index on ties). */
  public int predicted(int i) {
    float[] p = probabilities[i];
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Mean cross-entropy of the probabilities (scikit-learn's {@code log_loss}); for a test-time
   * augmented evaluation, of the averaged probabilities. Probabilities are clipped at 1e-15 as
   * scikit-learn does, so a confident error gives a large but finite loss.
   */
  public double logLoss() {
    double sum = 0;
    for (int i = 0; i < size(); i++) {
      sum -= Math.log(Math.max(1e-15, probabilities[i][labels[i]]));
    }
    return sum / Math.max(1, size());
  }

  /** The metrics scikit-learn's classification_report, confusion_matrix and top_k_accuracy_score give. */
  public ClassificationMetrics metrics() {
    return ClassificationMetrics.of(this);
  }
}
