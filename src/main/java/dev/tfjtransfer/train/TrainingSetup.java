package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.BatchNormPolicy;
import java.util.List;

/**
 * What {@link Trainer#compile} takes, Keras' {@code compile} arguments in PyTorch's terms: the loss,
 * parameter groups with their learning rates, the optimizer, the schedule, how frozen BatchNorm
 * layers behave, and whether biases and norm weights skip weight decay.
 */
public record TrainingSetup(CrossEntropyLoss loss, List<ParamGroup> groups, OptimizerSpec optimizer,
    LrSchedule schedule, BatchNormPolicy batchNormPolicy, boolean noDecayOnNormAndBias) {
  public TrainingSetup {
    groups = List.copyOf(groups);
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("at least one parameter group is needed");
    }
  }

  /** One group for every trainable weight, SGD momentum 0.9, a constant rate: the tutorial's defaults. */
  public static TrainingSetup sgd(double lr) {
    return new TrainingSetup(CrossEntropyLoss.standard(), List.of(new ParamGroup("all", List.of(), lr, 0)),
        OptimizerSpec.Sgd.withMomentum(0.9), new LrSchedule.Constant(), BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
  }

  public TrainingSetup withSchedule(LrSchedule next) {
    return new TrainingSetup(loss, groups, optimizer, next, batchNormPolicy, noDecayOnNormAndBias);
  }

  public TrainingSetup withGroups(List<ParamGroup> next) {
    return new TrainingSetup(loss, next, optimizer, schedule, batchNormPolicy, noDecayOnNormAndBias);
  }
}
