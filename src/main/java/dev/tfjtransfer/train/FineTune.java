package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Model;
import java.util.ArrayList;
import java.util.List;

/**
 * fastai's {@code Learner.fine_tune}: {@code freezeEpochs} epochs with only the head trainable
 * under one-cycle at {@code baseLr} (pct_start 0.99), then everything unfrozen for {@code epochs}
 * epochs under one-cycle with discriminative rates, geometric over the {@link LayerGroups} from
 * (baseLr / 2) / lrMult for the first group to baseLr / 2 for the head (fastai halves base_lr
 * after the frozen phase). The one-cycle schedules are torch's OneCycleLR with fastai's divisors:
 * starting at max / div (25 frozen, {@code div} unfrozen) and ending at max / 1e5. fastai also
 * cycles momentum; this keeps the optimizer's own.
 */
public record FineTune(int epochs, int freezeEpochs, double baseLr, double lrMult, double pctStart, double div) {
  private static final double FINAL_DIV = 1e5;
  private static final double FROZEN_DIV = 25;
  private static final double FROZEN_PCT_START = 0.99;

  public FineTune {
    if (epochs < 1 || freezeEpochs < 0 || !(baseLr > 0) || !(lrMult >= 1) || !(pctStart > 0 && pctStart < 1)
        || !(div > 0)) {
      throw new IllegalArgumentException("fine_tune needs epochs >= 1, freeze_epochs >= 0, lr > 0, lr_mult >= 1,"
          + " pct_start in (0, 1) and div > 0; received: epochs=" + epochs + ", freeze_epochs=" + freezeEpochs
          + ", lr=" + baseLr + ", lr_mult=" + lrMult + ", pct_start=" + pctStart + ", div=" + div);
    }
  }

  /** fastai's defaults: one frozen epoch, base_lr 2e-3, lr_mult 100, pct_start 0.3, div 5. */
  public static FineTune of(int epochs) {
    return new FineTune(epochs, 1, 2e-3, 100, 0.3, 5);
  }

  /** One compile-and-fit of fine-tuning: which weights to freeze and unfreeze, then the setup. */
  public record Phase(String name, FreezeSpec freeze, FreezeSpec unfreeze, int epochs, TrainingSetup setup) {}

  /**
   * The phases on {@code model}.
   *
   * @param stepsPerEpoch optimizer steps per epoch (batches, or batches / accumulation rounded up)
   * @param base the loss, optimizer, BatchNorm policy and recipes to use; its first group's weight
   *     decay applies to every group, its groups and schedule are replaced
   */
  public List<Phase> phases(Model model, String headPrefix, int stepsPerEpoch, TrainingSetup base) {
    double weightDecay = base.groups().get(0).weightDecay();
    List<Phase> phases = new ArrayList<>();
    if (freezeEpochs > 0) {
      TrainingSetup frozen = base.withGroups(List.of(new ParamGroup("head", List.of(), baseLr, weightDecay)))
          .withSchedule(oneCycle(freezeEpochs, stepsPerEpoch, FROZEN_PCT_START, FROZEN_DIV));
      phases.add(new Phase("frozen", FreezeSpec.allButHead(), FreezeSpec.of(headPrefix), freezeEpochs, frozen));
    }
    List<List<String>> layerGroups = LayerGroups.of(model, headPrefix);
    List<Double> lrs = LayerGroups.discriminativeLrs(baseLr / 2, lrMult, layerGroups.size());
    List<ParamGroup> groups = new ArrayList<>();
    for (int i = 0; i < layerGroups.size(); i++) {
      groups.add(new ParamGroup(String.join("+", layerGroups.get(i)), layerGroups.get(i), lrs.get(i), weightDecay));
    }
    TrainingSetup unfrozen = base.withGroups(groups).withSchedule(oneCycle(epochs, stepsPerEpoch, pctStart, div));
    phases.add(new Phase("unfrozen", FreezeSpec.of("none"), FreezeSpec.all(), epochs, unfrozen));
    return phases;
  }

  private static LrSchedule.OneCycle oneCycle(int epochs, int stepsPerEpoch, double pct, double startDiv) {
    return new LrSchedule.OneCycle(Math.max(2, (long) epochs * stepsPerEpoch), pct, startDiv, FINAL_DIV / startDiv);
  }
}
