package dev.tfjtransfer.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/** What {@link Trainer#fit} returns, Keras' History: every phase's metrics, and the best epoch. */
public final class History {
  private final List<EpochMetrics> rows = new ArrayList<>();

  public void add(EpochMetrics metrics) {
    rows.add(metrics);
  }

  public List<EpochMetrics> rows() {
    return Collections.unmodifiableList(rows);
  }

  public List<EpochMetrics> phase(EpochMetrics.Phase phase) {
    return rows.stream().filter(m -> m.phase() == phase).toList();
  }

  /** The epoch with the highest validation accuracy (the earliest on ties). */
  public OptionalInt bestEpoch() {
    EpochMetrics best = null;
    for (EpochMetrics m : phase(EpochMetrics.Phase.VAL)) {
      if (best == null || m.accuracy() > best.accuracy()) {
        best = m;
      }
    }
    return best == null ? OptionalInt.empty() : OptionalInt.of(best.epoch());
  }

  public double bestValAccuracy() {
    return phase(EpochMetrics.Phase.VAL).stream().mapToDouble(EpochMetrics::accuracy).max().orElse(Double.NaN);
  }
}
