package dev.tfjtransfer.data;

import dev.tfjtransfer.zoo.EvalPreset;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A composed image pipeline ({@code transforms.Compose}): image steps, then ToTensor and
 * Normalize into a float buffer, then tensor steps (RandomErasing). The output must be
 * {@code size x size}.
 */
public record Pipeline(List<ImageTransform> steps, Normalization normalization, int size,
    List<TensorTransform> tensorSteps) {
  public Pipeline {
    steps = List.copyOf(steps);
    tensorSteps = List.copyOf(tensorSteps);
  }

  public Pipeline(List<ImageTransform> steps, Normalization normalization, int size) {
    this(steps, normalization, size, List.of());
  }

  /** The tutorial's validation pipeline: Resize(256), CenterCrop(224), ImageNet Normalize. */
  public static Pipeline imagenetEval() {
    return imagenetEval(EvalPreset.IMAGENET_224);
  }

  /**
   * The eval transforms of published weights ({@code weights.transforms()}): Resize(resize,
   * interpolation), CenterCrop(crop), Normalize.
   */
  public static Pipeline imagenetEval(EvalPreset preset) {
    return new Pipeline(List.of(Transforms.resizeShorter(preset.resizeSize(), preset.interpolation()),
        Transforms.centerCrop(preset.cropSize())), preset.normalization(), preset.cropSize());
  }

  /** The tutorial's training pipeline: RandomResizedCrop(224), RandomHorizontalFlip, Normalize. */
  public static Pipeline imagenetTrain() {
    return new Pipeline(List.of(Transforms.randomResizedCrop(224), Transforms.randomHorizontalFlip(0.5)),
        Normalization.IMAGENET, 224);
  }

  /** The same steps and size with another normalization (e.g. what converted weights record). */
  public Pipeline withNormalization(Normalization next) {
    return new Pipeline(steps, next, size);
  }

  /** Transforms {@code image} and writes it at {@code dest[offset]}, {@code size*size*3} floats, HWC. */
  public void apply(RgbImage image, SplittableRandom random, float[] dest, int offset) {
    write(transform(image, random), random, dest, offset);
  }

  /** The image steps alone: what ToTensor receives. */
  public RgbImage transform(RgbImage image, SplittableRandom random) {
    RgbImage out = image;
    for (ImageTransform step : steps) {
      out = step.apply(out, random);
    }
    return out;
  }

  /** ToTensor, Normalize and the tensor steps of a {@code size x size} image, at {@code dest[offset]}. */
  public void write(RgbImage image, SplittableRandom random, float[] dest, int offset) {
    if (image.width() != size || image.height() != size) {
      throw new IllegalStateException("pipeline produced " + image.width() + "x" + image.height() + ", expected "
          + size + "x" + size + ": end it with a crop or resize to that size");
    }
    normalization.write(image, dest, offset);
    for (TensorTransform step : tensorSteps) {
      step.apply(dest, offset, size, size, random);
    }
  }

  /**
   * This pipeline without its final CenterCrop, which test-time FiveCrop / TenCrop replace
   * (torchvision's {@code Resize(256), TenCrop(224)}).
   */
  Pipeline withoutFinalCenterCrop() {
    if (steps.isEmpty() || !(steps.get(steps.size() - 1) instanceof Transforms.CenterCrop)) {
      throw new IllegalArgumentException("five_crop and ten_crop take the place of the pipeline's final"
          + " center_crop; this pipeline does not end with one");
    }
    return new Pipeline(steps.subList(0, steps.size() - 1), normalization, size, tensorSteps);
  }

  /** Whether every step is deterministic, so an image's output can be computed once and reused. */
  public boolean isDeterministic() {
    return tensorSteps.isEmpty() && steps.stream().noneMatch(ImageTransform::isRandom);
  }

  public int floatsPerImage() {
    return size * size * 3;
  }
}
