package dev.tfjtransfer.train;

import java.util.Locale;

/**
 * The loss or the weights became NaN or infinite: training stops, and no checkpoint is written
 * with non-finite weights, so the last one on disk holds the last finite epoch.
 */
public final class TrainingDivergedException extends RuntimeException {
  private final int epoch;
  private final EpochMetrics.Phase phase;

  /** @param what what became non-finite, e.g. "loss became NaN at batch 3" */
  public TrainingDivergedException(int epoch, EpochMetrics.Phase phase, String what) {
    super(String.format(Locale.ROOT, "training diverged in epoch %d, %s phase: %s; lower the learning rate"
        + " (no checkpoint holds non-finite weights)", epoch, phase.label(), what));
    this.epoch = epoch;
    this.phase = phase;
  }

  /** Weights change only in training phases, so non-finite weights are a training phase's doing. */
  public static TrainingDivergedException nonFiniteWeights(int epoch, String tensor) {
    return new TrainingDivergedException(epoch, EpochMetrics.Phase.TRAIN, "weight " + tensor + " is not finite");
  }

  public int epoch() {
    return epoch;
  }

  public EpochMetrics.Phase phase() {
    return phase;
  }
}
