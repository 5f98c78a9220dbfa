package dev.tfjtransfer.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A composed image pipeline ({@code transforms.Compose}): geometric steps, then ToTensor and
 * Normalize into a float buffer. The output must be {@code size x size}.
 */
public record Pipeline(List<ImageTransform> steps, Normalization normalization, int size) {
  public Pipeline {
    steps = List.copyOf(steps);
  }

  /** The tutorial's validation pipeline: Resize(256), CenterCrop(224), ImageNet Normalize. */
  public static Pipeline imagenetEval() {
    return new Pipeline(List.of(Transforms.resizeShorter(256), Transforms.centerCrop(224)), Normalization.IMAGENET, 224);
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
    normalization.write(transform(image, random), dest, offset);
  }

  /** The geometric steps only: the {@code size x size} 8-bit image before ToTensor and Normalize. */
  public RgbImage transform(RgbImage image, SplittableRandom random) {
    RgbImage out = image;
    for (ImageTransform step : steps) {
      out = step.apply(out, random);
    }
    if (out.width() != size || out.height() != size) {
      throw new IllegalStateException("pipeline produced " + out.width() + "x" + out.height() + ", expected " + size
          + "x" + size + ": end it with a crop or resize to that size");
    }
    return out;
  }

  /** Whether every step is deterministic, so an image's output can be computed once and reused. */
  public boolean isDeterministic() {
    return steps.stream().noneMatch(ImageTransform::isRandom);
  }

  public int floatsPerImage() {
    return size * size * 3;
  }
}
