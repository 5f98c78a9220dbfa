package dev.tfjtransfer.train;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau}: after each epoch's validation the monitored
 * metric is compared with the best so far (rel: best * (1 -/+ threshold), abs: best -/+ threshold);
 * after more than {@code patience} epochs without improvement every group's rate becomes
 * max(lr * factor, min_lr) (unless that changes it by no more than {@code eps}), and
 * {@code cooldown} epochs follow in which bad epochs are not counted. Unlike the closed-form
 * {@link LrSchedule}s it carries {@link State}, which checkpoints hold so a resumed run continues
 * it.
 *
 * @param monitor what it watches: val loss or val accuracy
 * @param minLrs one floor per parameter group, or a single one for all
 */
public record ReduceLROnPlateau(Monitor monitor, Mode mode, double factor, int patience, double threshold,
    ThresholdMode thresholdMode, int cooldown, List<Double> minLrs, double eps) {

  /** The validation metric fed to {@link #step}. */
  public enum Monitor {
    VAL_LOSS,
    VAL_ACCURACY
  }

  /** Whether lower (min) or higher (max) is better. */
  public enum Mode {
    MIN,
    MAX
  }

  /** Whether {@code threshold} is relative to the best value or absolute. */
  public enum ThresholdMode {
    REL,
    ABS
  }

  public ReduceLROnPlateau {
    minLrs = List.copyOf(minLrs);
    if (!(factor < 1 && factor >= 0)) {
      throw new IllegalArgumentException("plateau factor must be in [0, 1) (torch: 'Factor should be < 1.0');"
          + " received: " + factor);
    }
    if (patience < 0 || cooldown < 0 || !(threshold >= 0) || !(eps >= 0) || minLrs.isEmpty()
        || minLrs.stream().anyMatch(m -> !(m >= 0))) {
      throw new IllegalArgumentException("plateau needs patience, cooldown, threshold, eps and min_lr >= 0;"
          + " received: patience=" + patience + ", cooldown=" + cooldown + ", threshold=" + threshold + ", min_lr="
          + minLrs + ", eps=" + eps);
    }
  }

  /** torch's defaults (mode min for the loss, max for accuracy; factor 0.1, patience 10, rel 1e-4). */
  public static ReduceLROnPlateau on(Monitor monitor) {
    return new ReduceLROnPlateau(monitor, monitor == Monitor.VAL_LOSS ? Mode.MIN : Mode.MAX, 0.1, 10, 1e-4,
        ThresholdMode.REL, 0, List.of(0.0), 1e-8);
  }

  /** The scheduler's state: torch's best, num_bad_epochs, cooldown_counter, last_epoch and the rates. */
  public record State(double best, int numBadEpochs, int cooldownCounter, int lastEpoch, List<Double> lrs) {
    public State {
      lrs = List.copyOf(lrs);
    }
  }

  /** The state of a new scheduler over groups starting at {@code lrs}. */
  public State start(List<Double> lrs) {
    if (minLrs.size() != 1 && minLrs.size() != lrs.size()) {
      throw new IllegalArgumentException("plateau has " + minLrs.size() + " min_lr values for " + lrs.size()
          + " parameter groups");
    }
    return new State(mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY, 0, 0, 0, lrs);
  }

  /** torch's {@code scheduler.step(metric)}. */
  public State step(State s, double metric) {
    double best = s.best();
    int bad = s.numBadEpochs();
    if (isBetter(metric, best)) {
      best = metric;
      bad = 0;
    } else {
      bad++;
    }
    int cooldownCounter = s.cooldownCounter();
    if (cooldownCounter > 0) {
      cooldownCounter--;
      bad = 0; // bad epochs in cooldown are ignored
    }
    List<Double> lrs = s.lrs();
    if (bad > patience) {
      lrs = reduce(lrs);
      cooldownCounter = cooldown;
      bad = 0;
    }
    return new State(best, bad, cooldownCounter, s.lastEpoch() + 1, lrs);
  }

  /** The metric of {@link #monitor} in a validation phase's metrics. */
  public double metric(EpochMetrics val) {
    return monitor == Monitor.VAL_LOSS ? val.loss() : val.accuracy();
  }

  private List<Double> reduce(List<Double> lrs) {
    List<Double> next = new ArrayList<>();
    for (int i = 0; i < lrs.size(); i++) {
      double old = lrs.get(i);
      double reduced = Math.max(old * factor, minLrs.get(minLrs.size() == 1 ? 0 : i));
      next.add(old - reduced > eps ? reduced : old);
    }
    return next;
  }

  private boolean isBetter(double a, double best) {
    if (mode == Mode.MIN) {
      return thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
    }
    return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1) : a > best + threshold;
  }
}
