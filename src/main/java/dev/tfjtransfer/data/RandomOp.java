package dev.tfjtransfer.data;

import java.util.SplittableRandom;

/**
 * A random image transform split as torchvision splits it: {@link #draw} takes every random number
 * the transform needs ({@code get_params}), {@link #applyWith} is deterministic given them, so a
 * test can fix the draw and compare the pixels with torchvision's.
 *
 * @param <P> the drawn parameters
 */
public interface RandomOp<P> extends ImageTransform {
  /** Draws the parameters for {@code image} (some depend on its size) from {@code random}. */
  P draw(RgbImage image, SplittableRandom random);

  /** Applies the transform with fixed parameters. */
  RgbImage applyWith(RgbImage image, P params);

  @Override
  default RgbImage apply(RgbImage image, SplittableRandom random) {
    return applyWith(image, draw(image, random));
  }

  @Override
  default boolean isRandom() {
    return true;
  }
}
