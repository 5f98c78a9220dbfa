package dev.tfjtransfer.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * torch's {@code WeightedRandomSampler(weights, num_samples, replacement=True)}: each epoch draws
 * {@code numSamples} indices independently, index i with probability weights[i] / sum(weights).
 * The {@link DataLoader} seeds the draw by (seed, epoch), so a resumed run draws the same epochs.
 */
public final class WeightedRandomSampler {
  private final double[] cumulative;
  private final int numSamples;

  /** @param weights one non-negative weight per sample, not all zero (they need not sum to 1) */
  public WeightedRandomSampler(double[] weights, int numSamples) {
    if (numSamples <= 0) {
      throw new IllegalArgumentException("num_samples must be positive; received: " + numSamples);
    }
    cumulative = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Double.isFinite(weights[i])) {
        throw new IllegalArgumentException("sampler weights must be finite and >= 0; weight " + i + " is "
            + weights[i]);
      }
      sum += weights[i];
      cumulative[i] = sum;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("sampler weights are all zero");
    }
    this.numSamples = numSamples;
  }

  /** How many samples it draws from (the dataset's size). */
  public int size() {
    return cumulative.length;
  }

  public int numSamples() {
    return numSamples;
  }

  /** One epoch's indices, drawn with replacement (inverse CDF of the weights). */
  public int[] draw(SplittableRandom random) {
    double total = cumulative[cumulative.length - 1];
    int[] indices = new int[numSamples];
    for (int n = 0; n < numSamples; n++) {
      double u = random.nextDouble() * total;
      int i = Arrays.binarySearch(cumulative, u);
      // binarySearch gives the insertion point for a miss; an exact hit belongs to the next weight
      i = i >= 0 ? i + 1 : -i - 1;
      while (i < cumulative.length - 1 && cumulative[i] == (i == 0 ? 0 : cumulative[i - 1])) {
        i++; // skip zero-weight samples at the boundary
      }
      indices[n] = Math.min(i, cumulative.length - 1);
    }
    return indices;
  }
}
