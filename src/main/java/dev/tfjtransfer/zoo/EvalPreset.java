package dev.tfjtransfer.zoo;

import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Normalization;

/**
 * The evaluation transforms a torchvision weight enum records ({@code ImageClassification(crop_size,
 * resize_size, interpolation, mean, std)}): Resize(resizeSize) of the shorter side, CenterCrop(cropSize),
 * Normalize(mean, std).
 */
public record EvalPreset(int resizeSize, int cropSize, Interpolation interpolation, Normalization normalization) {
  /** The tutorial's: Resize(256), CenterCrop(224), bilinear, ImageNet statistics. */
  public static final EvalPreset IMAGENET_224 = new EvalPreset(256, 224, Interpolation.BILINEAR, Normalization.IMAGENET);

  /** Resize(resizeSize), CenterCrop(cropSize) with {@code interpolation}, ImageNet statistics. */
  public static EvalPreset imagenet(int resizeSize, int cropSize, Interpolation interpolation) {
    return new EvalPreset(resizeSize, cropSize, interpolation, Normalization.IMAGENET);
  }

  public EvalPreset {
    if (resizeSize < cropSize || cropSize <= 0) {
      throw new IllegalArgumentException("an eval preset needs 0 < crop <= resize; received: resize=" + resizeSize
          + ", crop=" + cropSize);
    }
  }

  /** The same sizes and filter with other statistics (e.g. the caffe mean Keras weights record). */
  public EvalPreset withNormalization(Normalization next) {
    return new EvalPreset(resizeSize, cropSize, interpolation, next);
  }
}
