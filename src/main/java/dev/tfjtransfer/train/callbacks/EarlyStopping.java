package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.Trainer;

/** Stops training when validation accuracy has not improved for {@code patience} epochs. */
public final class EarlyStopping implements Callback {
  private final int patience;

  public EarlyStopping(int patience) {
    if (patience <= 0) {
      throw new IllegalArgumentException("patience must be positive; received: patience=" + patience);
    }
    this.patience = patience;
  }

  @Override
  public boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
    return val.epoch() - trainer.state().bestEpoch() >= patience;
  }
}
