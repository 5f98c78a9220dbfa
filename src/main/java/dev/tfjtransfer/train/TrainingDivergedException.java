package dev.tfjtransfer.train;

/** The loss became NaN or infinite: training stops, the last good checkpoint stays. */
public final class TrainingDivergedException extends RuntimeException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
