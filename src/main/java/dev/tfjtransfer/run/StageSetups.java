package dev.tfjtransfer.run;

import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.ClassWeights;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.train.CrossEntropyLoss;
import dev.tfjtransfer.train.FineTune;
import dev.tfjtransfer.train.LrSchedule;
import dev.tfjtransfer.train.Mixup;
import dev.tfjtransfer.train.ModelEma;
import dev.tfjtransfer.train.OptimizerSpec;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.Recipe;
import dev.tfjtransfer.train.ReduceLROnPlateau;
import dev.tfjtransfer.train.TrainingSetup;
import java.util.List;
import java.util.Locale;

/** Turns a config stage into a {@link TrainingSetup}. */
final class StageSetups {
  private StageSetups() {}

  /**
   * @param classCounts training samples per class, for {@code class_weights: balanced}
   * @param batchesPerEpoch training batches per epoch, for per-step schedules
   */
  static TrainingSetup of(RunConfig.StageConfig stage, BatchNormPolicy policy, int[] classCounts,
      int batchesPerEpoch) {
    List<ParamGroup> groups = stage.groups().stream()
        .map(g -> new ParamGroup(g.name(), g.params(), g.lr(), g.weightDecay())).toList();
    CrossEntropyLoss loss = new CrossEntropyLoss(stage.labelSmoothing(), classWeights(stage.classWeights(),
        classCounts));
    int steps = stepsPerEpoch(stage, batchesPerEpoch);
    boolean plateau = stage.schedule().type().equals("plateau");
    return new TrainingSetup(loss, groups, optimizer(stage.optimizer()),
        plateau ? new LrSchedule.Constant() : schedule(stage.schedule(), stage.epochs(), steps), policy,
        stage.noDecayOnNormAndBias(), new Recipe(mixup(stage), stage.accumulateGradBatches(), ema(stage.ema()),
            plateau ? plateau(stage.schedule()) : null));
  }

  /** Optimizer steps per epoch: batches, divided by gradient accumulation and rounded up. */
  static int stepsPerEpoch(RunConfig.StageConfig stage, int batchesPerEpoch) {
    return (batchesPerEpoch + stage.accumulateGradBatches() - 1) / stage.accumulateGradBatches();
  }

  /** A fine_tune stage's fastai arguments. */
  static FineTune fineTune(RunConfig.StageConfig stage) {
    RunConfig.FineTuneConfig f = stage.fineTune();
    return new FineTune(stage.epochs(), f.freezeEpochs(), f.lr(), f.lrMult(), f.pctStart(), f.div());
  }

  /** {@code balanced} or explicit per-class weights as a list, or null for none. */
  @SuppressWarnings("unchecked")
  static List<Double> classWeights(Object value, int[] classCounts) {
    if (value == null) {
      return null;
    }
    List<Double> weights = "balanced".equals(value) ? ClassWeights.balanced(classCounts) : (List<Double>) value;
    if (weights.size() != classCounts.length) {
      throw new IllegalArgumentException("class_weights has " + weights.size() + " values for " + classCounts.length
          + " classes");
    }
    return weights;
  }

  static OptimizerSpec optimizer(RunConfig.OptimizerConfig o) {
    return switch (o.type()) {
      case "sgd" -> new OptimizerSpec.Sgd(o.momentum(), o.dampening(), o.nesterov());
      case "adam" -> new OptimizerSpec.Adam(o.betas().get(0), o.betas().get(1), o.eps(), false);
      default -> new OptimizerSpec.Adam(o.betas().get(0), o.betas().get(1), o.eps(), true);
    };
  }

  static LrSchedule schedule(RunConfig.ScheduleConfig s, int epochs, int stepsPerEpoch) {
    return switch (s.type()) {
      case "step" -> new LrSchedule.StepLR(s.stepSize(), s.gamma());
      case "multistep" -> new LrSchedule.MultiStepLR(s.milestones(), s.gamma());
      case "cosine" -> new LrSchedule.Cosine(epochs, s.warmupEpochs(), s.warmupStartFactor(), s.etaMin());
      case "onecycle" -> new LrSchedule.OneCycle(Math.max(2, (long) epochs * stepsPerEpoch), s.pctStart(),
          s.divFactor(), s.finalDivFactor());
      default -> new LrSchedule.Constant();
    };
  }

  private static Mixup mixup(RunConfig.StageConfig stage) {
    RunConfig.MixupConfig m = stage.mixup();
    return m == null ? null : new Mixup(m.mixupAlpha(), m.cutmixAlpha(), m.prob(), m.switchProb(),
        stage.labelSmoothing());
  }

  private static ModelEma.Spec ema(RunConfig.EmaConfig e) {
    return e == null ? null : new ModelEma.Spec(e.decay(), e.warmup(), e.warmupGamma(), e.warmupPower(), e.minDecay(),
        e.evaluate());
  }

  private static ReduceLROnPlateau plateau(RunConfig.ScheduleConfig s) {
    return new ReduceLROnPlateau(ReduceLROnPlateau.Monitor.valueOf(s.monitor().toUpperCase(Locale.ROOT)),
        ReduceLROnPlateau.Mode.valueOf(s.mode().toUpperCase(Locale.ROOT)), s.factor(), s.patience(), s.threshold(),
        ReduceLROnPlateau.ThresholdMode.valueOf(s.thresholdMode().toUpperCase(Locale.ROOT)), s.cooldown(), s.minLr(),
        s.eps());
  }
}
