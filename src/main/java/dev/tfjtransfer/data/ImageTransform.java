package dev.tfjtransfer.data;

import java.util.SplittableRandom;

/**
 * One step of an image pipeline with torchvision's semantics (Resize, CenterCrop,
 * RandomResizedCrop, RandomHorizontalFlip). Random steps draw only from {@code random}, so a
 * seed fixes every crop and flip.
 */
@FunctionalInterface
public interface ImageTransform {
  RgbImage apply(RgbImage image, SplittableRandom random);
}
