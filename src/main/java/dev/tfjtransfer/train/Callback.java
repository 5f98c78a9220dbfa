package dev.tfjtransfer.train;

/**
 * Listens to {@link Trainer#fit}, like Keras callbacks and DJL's training listeners: progress,
 * logging, checkpoints and early stopping are separate callbacks rather than one loop that does
 * everything.
 */
public interface Callback {
  default void onFitBegin(Trainer trainer, int epochs) {}

  /** After each batch of a phase; {@code runningLoss} is the phase's mean loss so far. */
  default void onBatchEnd(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batch, int batches,
      double runningLoss, double imagesPerSecond) {}

  default void onPhaseBegin(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batches) {}

  /** After a phase's metrics are known. */
  default void onPhaseEnd(Trainer trainer, EpochMetrics metrics) {}

  /** After an epoch's train and val phases (epoch 0 has only val). Return true to stop training. */
  default boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
    return false;
  }

  default void onFitEnd(Trainer trainer, History history) {}
}
