package dev.tfjtransfer.train;

import java.util.List;

/**
 * One phase of one epoch, as the tutorial prints it: mean loss and accuracy, with the learning
 * rate of each group (train phases), the wall time and the images seen. Epoch 0 is the
 * validation of the untrained head. A validation with test-time augmentation also has the loss
 * and accuracy of the view-averaged probabilities ({@code ttaLoss}, {@code ttaAccuracy}; null
 * without).
 */
public record EpochMetrics(int epoch, Phase phase, double loss, double accuracy, List<Double> learningRates,
    double seconds, int images, Double ttaLoss, Double ttaAccuracy) {
  /** Training or validation. */
  public enum Phase {
    TRAIN,
    VAL;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public EpochMetrics {
    learningRates = List.copyOf(learningRates);
  }

  /** Without test-time augmentation. */
  public EpochMetrics(int epoch, Phase phase, double loss, double accuracy, List<Double> learningRates,
      double seconds, int images) {
    this(epoch, phase, loss, accuracy, learningRates, seconds, images, null, null);
  }

  /** Whether this phase was also measured with test-time augmentation. */
  public boolean hasTta() {
    return ttaAccuracy != null;
  }

  public double imagesPerSecond() {
    return seconds > 0 ? images / seconds : 0;
  }
}
