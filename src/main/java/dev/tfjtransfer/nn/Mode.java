package dev.tfjtransfer.nn;

/**
 * Which computation a call builds. Kept apart from a layer's {@code trainable} flag, as in Keras:
 * {@code TRAINING} makes Dropout drop and trainable BatchNorm layers use batch statistics;
 * {@code INFERENCE} uses running statistics and no dropout.
 */
public enum Mode {
  TRAINING,
  INFERENCE
}
