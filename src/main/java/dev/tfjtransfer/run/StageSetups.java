package dev.tfjtransfer.run;

import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.train.CrossEntropyLoss;
import dev.tfjtransfer.train.LrSchedule;
import dev.tfjtransfer.train.OptimizerSpec;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.TrainingSetup;
import java.util.List;

/** Turns a config stage into a {@link TrainingSetup}. */
final class StageSetups {
  private StageSetups() {}

  static TrainingSetup of(RunConfig.StageConfig stage, BatchNormPolicy policy) {
    List<ParamGroup> groups = stage.groups().stream()
        .map(g -> new ParamGroup(g.name(), g.params(), g.lr(), g.weightDecay())).toList();
    return new TrainingSetup(new CrossEntropyLoss(stage.labelSmoothing()), groups, optimizer(stage.optimizer()),
        schedule(stage.schedule(), stage.epochs()), policy, stage.noDecayOnNormAndBias());
  }

  static OptimizerSpec optimizer(RunConfig.OptimizerConfig o) {
    return switch (o.type()) {
      case "sgd" -> new OptimizerSpec.Sgd(o.momentum(), o.dampening(), o.nesterov());
      case "adam" -> new OptimizerSpec.Adam(o.betas().get(0), o.betas().get(1), o.eps(), false);
      default -> new OptimizerSpec.Adam(o.betas().get(0), o.betas().get(1), o.eps(), true);
    };
  }

  /** One-cycle needs the total number of steps, which the trainer does not know: it counts epochs x 1000. */
  static LrSchedule schedule(RunConfig.ScheduleConfig s, int epochs) {
    return switch (s.type()) {
      case "step" -> new LrSchedule.StepLR(s.stepSize(), s.gamma());
      case "multistep" -> new LrSchedule.MultiStepLR(s.milestones(), s.gamma());
      case "cosine" -> new LrSchedule.Cosine(epochs, s.warmupEpochs(), s.warmupStartFactor(), s.etaMin());
      case "onecycle" -> throw new IllegalArgumentException("schedule onecycle is stepped per batch; use it from the"
          + " Java API (LrSchedule.OneCycle) where the number of steps is known");
      default -> new LrSchedule.Constant();
    };
  }
}
