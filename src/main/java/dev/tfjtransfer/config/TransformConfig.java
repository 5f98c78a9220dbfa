package dev.tfjtransfer.config;

import dev.tfjtransfer.data.ImageTransform;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Transforms;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One transform of a pipeline, written as a single-key map in YAML:
 * {@code - random_resized_crop: {size: 224}}, {@code - horizontal_flip: {p: 0.5}},
 * {@code - resize: {size: 256, interpolation: bicubic}}, {@code - center_crop: {size: 224}}.
 */
public record TransformConfig(RandomResizedCrop randomResizedCrop, Flip horizontalFlip, Resize resize,
    Size centerCrop) {
  public TransformConfig {
    long set = Stream.of(randomResizedCrop, horizontalFlip, resize, centerCrop).filter(x -> x != null).count();
    if (set != 1) {
      throw new IllegalArgumentException("each transform is one of random_resized_crop, horizontal_flip, resize,"
          + " center_crop; received " + set + " in one entry");
    }
  }

  static TransformConfig randomResizedCrop(int size) {
    return new TransformConfig(new RandomResizedCrop(size, null, null), null, null, null);
  }

  static TransformConfig flip(double p) {
    return new TransformConfig(null, new Flip(p), null, null);
  }

  static TransformConfig resize(int size, Interpolation interpolation) {
    return new TransformConfig(null, null, new Resize(size, Resize.name(interpolation)), null);
  }

  static TransformConfig centerCrop(int size) {
    return new TransformConfig(null, null, null, new Size(size));
  }

  /** The output side length if this transform fixes it (crops), else 0. */
  int outputSize() {
    if (randomResizedCrop != null) {
      return randomResizedCrop.size();
    }
    return centerCrop != null ? centerCrop.size() : 0;
  }

  ImageTransform toTransform() {
    if (randomResizedCrop != null) {
      List<Double> scale = randomResizedCrop.scale();
      List<Double> ratio = randomResizedCrop.ratio();
      return Transforms.randomResizedCrop(randomResizedCrop.size(), scale.get(0), scale.get(1), ratio.get(0),
          ratio.get(1));
    }
    if (horizontalFlip != null) {
      return Transforms.randomHorizontalFlip(horizontalFlip.p());
    }
    if (resize != null) {
      return Transforms.resizeShorter(resize.size(), resize.filter());
    }
    return Transforms.centerCrop(centerCrop.size());
  }

  /** {@code RandomResizedCrop(size, scale=(0.08, 1.0), ratio=(3/4, 4/3))}. */
  public record RandomResizedCrop(Integer size, List<Double> scale, List<Double> ratio) {
    public RandomResizedCrop {
      Checks.positive("random_resized_crop.size", size == null ? 0 : size);
      scale = scale == null ? List.of(0.08, 1.0) : List.copyOf(scale);
      ratio = ratio == null ? List.of(3.0 / 4.0, 4.0 / 3.0) : List.copyOf(ratio);
      if (scale.size() != 2 || ratio.size() != 2) {
        throw new IllegalArgumentException("random_resized_crop.scale and ratio need two values each");
      }
    }
  }

  /** {@code RandomHorizontalFlip(p)}. */
  public record Flip(Double p) {
    public Flip {
      p = p == null ? 0.5 : p;
      Checks.range("horizontal_flip.p", p, 0, 1);
    }
  }

  /** {@code Resize(size, interpolation)} of the shorter side; interpolation bilinear (default) or bicubic. */
  public record Resize(Integer size, String interpolation) {
    public Resize {
      Checks.positive("resize.size", size == null ? 0 : size);
      interpolation = interpolation == null ? name(Interpolation.BILINEAR) : interpolation;
      Checks.oneOf("resize.interpolation", interpolation, name(Interpolation.BILINEAR), name(Interpolation.BICUBIC));
    }

    public Interpolation filter() {
      return Interpolation.valueOf(interpolation.toUpperCase(Locale.ROOT));
    }

    static String name(Interpolation interpolation) {
      return interpolation.name().toLowerCase(Locale.ROOT);
    }
  }

  /** CenterCrop's square side. */
  public record Size(Integer size) {
    public Size {
      Checks.positive("size", size == null ? 0 : size);
    }
  }
}
