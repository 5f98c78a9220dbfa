package dev.tfjtransfer.data;

import java.util.SplittableRandom;

/**
 * One step of an image pipeline with torchvision's semantics (Resize, CenterCrop,
 * RandomResizedCrop, RandomHorizontalFlip and the augmentations of {@link Augmentations} and
 * {@link AutoAugment}). Random steps draw only from {@code random}, so a seed fixes every draw.
 */
@FunctionalInterface
public interface ImageTransform {
  RgbImage apply(RgbImage image, SplittableRandom random);

  /** Whether the output depends on the random source (crops, flips): such outputs cannot be cached. */
  default boolean isRandom() {
    return false;
  }

  /** Marks {@code transform} as random. */
  static ImageTransform random(ImageTransform transform) {
    return new ImageTransform() {
      @Override
      public RgbImage apply(RgbImage image, SplittableRandom random) {
        return transform.apply(image, random);
      }

      @Override
      public boolean isRandom() {
        return true;
      }
    };
  }
}
