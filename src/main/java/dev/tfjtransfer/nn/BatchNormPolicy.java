package dev.tfjtransfer.nn;

/** How BatchNorm layers whose parameters are frozen behave in a {@link Mode#TRAINING} call. */
public enum BatchNormPolicy {
  /**
   * Frozen BatchNorm layers use their running statistics and leave them unchanged (Keras' advice
   * for fine-tuning: the backbone computes the features it was trained to compute).
   */
  FROZEN_USE_RUNNING_STATS,
  /**
   * Every BatchNorm layer normalizes with batch statistics and updates its running statistics, as
   * {@code model.train()} does in the PyTorch tutorial even when {@code requires_grad} is off.
   */
  ALWAYS_TRAIN_MODE
}
