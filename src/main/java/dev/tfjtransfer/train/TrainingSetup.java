package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.BatchNormPolicy;
import java.util.List;

/**
 * What {@link Trainer#compile} takes, Keras' {@code compile} arguments in PyTorch's terms: the loss,
 * parameter groups with their learning rates, the optimizer, the schedule, how frozen BatchNorm
 * layers behave, whether biases and norm weights skip weight decay, and the {@link Recipe}s
 * (MixUp/CutMix, gradient accumulation, EMA, ReduceLROnPlateau) in use.
 */
public record TrainingSetup(CrossEntropyLoss loss, List<ParamGroup> groups, OptimizerSpec optimizer,
    LrSchedule schedule, BatchNormPolicy batchNormPolicy, boolean noDecayOnNormAndBias, Recipe recipe) {
  public TrainingSetup {
    groups = List.copyOf(groups);
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("at least one parameter group is needed");
    }
    recipe = recipe == null ? Recipe.NONE : recipe;
    if (recipe.plateau() != null && !(schedule instanceof LrSchedule.Constant)) {
      throw new IllegalArgumentException("ReduceLROnPlateau sets the learning rates itself: use it with a constant"
          + " schedule, not " + schedule.getClass().getSimpleName());
    }
  }

  public TrainingSetup(CrossEntropyLoss loss, List<ParamGroup> groups, OptimizerSpec optimizer, LrSchedule schedule,
      BatchNormPolicy batchNormPolicy, boolean noDecayOnNormAndBias) {
    this(loss, groups, optimizer, schedule, batchNormPolicy, noDecayOnNormAndBias, Recipe.NONE);
  }

  /** One group for every trainable weight, SGD momentum 0.9, a constant rate: the tutorial's defaults. */
  public static TrainingSetup sgd(double lr) {
    return new TrainingSetup(CrossEntropyLoss.standard(), List.of(new ParamGroup("all", List.of(), lr, 0)),
        OptimizerSpec.Sgd.withMomentum(0.9), new LrSchedule.Constant(), BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
  }

  public TrainingSetup withSchedule(LrSchedule next) {
    return new TrainingSetup(loss, groups, optimizer, next, batchNormPolicy, noDecayOnNormAndBias, recipe);
  }

  public TrainingSetup withGroups(List<ParamGroup> next) {
    return new TrainingSetup(loss, next, optimizer, schedule, batchNormPolicy, noDecayOnNormAndBias, recipe);
  }

  public TrainingSetup withLoss(CrossEntropyLoss next) {
    return new TrainingSetup(next, groups, optimizer, schedule, batchNormPolicy, noDecayOnNormAndBias, recipe);
  }

  public TrainingSetup withOptimizer(OptimizerSpec next) {
    return new TrainingSetup(loss, groups, next, schedule, batchNormPolicy, noDecayOnNormAndBias, recipe);
  }

  public TrainingSetup withRecipe(Recipe next) {
    return new TrainingSetup(loss, groups, optimizer, schedule, batchNormPolicy, noDecayOnNormAndBias, next);
  }

  /** timm's Mixup: batches mixed by MixUp or CutMix, trained on the soft targets. */
  public TrainingSetup withMixup(Mixup mixup) {
    return withRecipe(new Recipe(mixup, recipe.accumulationSteps(), recipe.ema(), recipe.plateau()));
  }

  /** One optimizer step per {@code batches} batches, on their summed (size-weighted mean) gradient. */
  public TrainingSetup withGradientAccumulation(int batches) {
    return withRecipe(new Recipe(recipe.mixup(), batches, recipe.ema(), recipe.plateau()));
  }

  public TrainingSetup withEma(ModelEma.Spec ema) {
    return withRecipe(new Recipe(recipe.mixup(), recipe.accumulationSteps(), ema, recipe.plateau()));
  }

  public TrainingSetup withPlateau(ReduceLROnPlateau plateau) {
    return withRecipe(new Recipe(recipe.mixup(), recipe.accumulationSteps(), recipe.ema(), plateau));
  }
}
