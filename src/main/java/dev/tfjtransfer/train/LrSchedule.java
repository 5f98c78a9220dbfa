package dev.tfjtransfer.train;

import java.util.List;

/**
 * A learning-rate schedule with the semantics of {@code torch.optim.lr_scheduler}, as a closed
 * form of the group's base learning rate, the epoch (0-based) and the global step (0-based, for
 * per-step schedules), so a resumed run computes the same rates without replaying history.
 */
public sealed interface LrSchedule {
  double lr(double baseLr, int epoch, long step);

  /** A constant learning rate. */
  record Constant() implements LrSchedule {
    @Override
    public double lr(double baseLr, int epoch, long step) {
      return baseLr;
    }
  }

  /** {@code StepLR(step_size, gamma)}: base * gamma^(epoch / step_size), the tutorial's (7, 0.1). */
  record StepLR(int stepSize, double gamma) implements LrSchedule {
    public StepLR {
      if (stepSize <= 0 || !(gamma > 0)) {
        throw new IllegalArgumentException("StepLR needs step_size > 0 and gamma > 0; received: step_size=" + stepSize
            + ", gamma=" + gamma);
      }
    }

    @Override
    public double lr(double baseLr, int epoch, long step) {
      return baseLr * Math.pow(gamma, epoch / stepSize);
    }
  }

  /** {@code MultiStepLR(milestones, gamma)}: multiplied by gamma at each milestone epoch reached. */
  record MultiStepLR(List<Integer> milestones, double gamma) implements LrSchedule {
    public MultiStepLR {
      milestones = List.copyOf(milestones);
    }

    @Override
    public double lr(double baseLr, int epoch, long step) {
      long passed = milestones.stream().filter(m -> m <= epoch).count();
      return baseLr * Math.pow(gamma, passed);
    }
  }

  /**
   * Linear warm-up for {@code warmupEpochs} from {@code warmupStartFactor * base} (torch's
   * LinearLR), then {@code CosineAnnealingLR(T_max = epochs - warmupEpochs, eta_min)}, chained as
   * {@code SequentialLR} does.
   */
  record Cosine(int epochs, int warmupEpochs, double warmupStartFactor, double etaMin) implements LrSchedule {
    public Cosine {
      if (epochs <= warmupEpochs || warmupEpochs < 0 || !(warmupStartFactor > 0 && warmupStartFactor <= 1)) {
        throw new IllegalArgumentException("cosine needs epochs > warmup_epochs >= 0 and warmup_start_factor in (0, 1];"
            + " received: epochs=" + epochs + ", warmup_epochs=" + warmupEpochs + ", warmup_start_factor="
            + warmupStartFactor);
      }
    }

    @Override
    public double lr(double baseLr, int epoch, long step) {
      if (epoch < warmupEpochs) {
        return baseLr * (warmupStartFactor + (1 - warmupStartFactor) * epoch / warmupEpochs);
      }
      int t = epoch - warmupEpochs;
      int period = epochs - warmupEpochs;
      return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / period)) / 2;
    }
  }

  /**
   * {@code OneCycleLR(max_lr = base, total_steps, pct_start, div_factor, final_div_factor)} with
   * cosine annealing, stepped per batch (fastai's fine_tune policy).
   */
  record OneCycle(long totalSteps, double pctStart, double divFactor, double finalDivFactor) implements LrSchedule {
    public OneCycle {
      if (totalSteps <= 1 || !(pctStart > 0 && pctStart < 1) || !(divFactor > 0) || !(finalDivFactor > 0)) {
        throw new IllegalArgumentException("one-cycle needs total_steps > 1, pct_start in (0, 1) and positive factors;"
            + " received: total_steps=" + totalSteps + ", pct_start=" + pctStart);
      }
    }

    public static OneCycle of(long totalSteps) {
      return new OneCycle(totalSteps, 0.3, 25, 1e4);
    }

    @Override
    public double lr(double maxLr, int epoch, long step) {
      double initial = maxLr / divFactor;
      double min = initial / finalDivFactor;
      double warmEnd = pctStart * totalSteps - 1;
      double s = Math.min(step, totalSteps - 1);
      if (s <= warmEnd) {
        return anneal(initial, maxLr, s / warmEnd);
      }
      return anneal(maxLr, min, (s - warmEnd) / (totalSteps - 1 - warmEnd));
    }

    private static double anneal(double start, double end, double pct) {
      return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    }
  }
}
