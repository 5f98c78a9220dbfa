package dev.tfjtransfer.train;

/**
 * The training recipes beyond the tutorial, each off unless set: MixUp/CutMix, gradient
 * accumulation over several batches, a moving average of the weights, and ReduceLROnPlateau.
 *
 * @param mixup batch mixing (null: none)
 * @param accumulationSteps batches whose gradients make one optimizer step (1: none)
 * @param ema the weights' moving average (null: none)
 * @param plateau the plateau scheduler, which replaces the stage's schedule (null: none)
 */
public record Recipe(Mixup mixup, int accumulationSteps, ModelEma.Spec ema, ReduceLROnPlateau plateau) {
  public static final Recipe NONE = new Recipe(null, 1, null, null);

  public Recipe {
    if (accumulationSteps < 1) {
      throw new IllegalArgumentException("gradient accumulation needs at least 1 batch per step; received: "
          + accumulationSteps);
    }
  }
}
