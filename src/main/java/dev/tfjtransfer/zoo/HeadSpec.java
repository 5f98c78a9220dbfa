package dev.tfjtransfer.zoo;

import java.util.List;

/**
 * The classifier put on a backbone. {@link #linear} is the tutorial's replacement of the last
 * layer ({@code classifier.6} or {@code fc}) by a new {@code Linear(in, numClasses)};
 * {@link #mlp} is the seeds' custom head: adaptive average pooling to {@code pool x pool}, then
 * Linear-ReLU-Dropout blocks through {@code hidden} widths to {@code numClasses}.
 */
public record HeadSpec(int numClasses, int pool, List<Integer> hidden, float dropout) {
  public HeadSpec {
    if (numClasses <= 0) {
      throw new IllegalArgumentException("numClasses must be positive; received: numClasses=" + numClasses);
    }
    hidden = List.copyOf(hidden);
    if (pool < 0 || hidden.stream().anyMatch(h -> h <= 0) || !(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("an MLP head needs pool > 0, positive hidden widths and dropout in [0, 1);"
          + " received: pool=" + pool + ", hidden=" + hidden + ", dropout=" + dropout);
    }
  }

  /** Only the last layer replaced: {@code classifier.6 = Linear(4096, N)} or {@code fc = Linear(in, N)}. */
  public static HeadSpec linear(int numClasses) {
    return new HeadSpec(numClasses, 0, List.of(), 0f);
  }

  /** A new pooled MLP head, e.g. {@code mlp(N, 3, List.of(512, 128), 0.5f)} for the seeds' VGG16 head. */
  public static HeadSpec mlp(int numClasses, int pool, List<Integer> hidden, float dropout) {
    if (pool <= 0) {
      throw new IllegalArgumentException("pool must be positive; received: pool=" + pool);
    }
    return new HeadSpec(numClasses, pool, hidden, dropout);
  }

  public boolean isMlp() {
    return pool > 0;
  }
}
