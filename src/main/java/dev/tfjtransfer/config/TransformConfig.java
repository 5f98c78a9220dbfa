package dev.tfjtransfer.config;

import dev.tfjtransfer.data.AutoAugment;
import dev.tfjtransfer.data.Augmentations;
import dev.tfjtransfer.data.Augmentations.Range;
import dev.tfjtransfer.data.ImageTransform;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Resample;
import dev.tfjtransfer.data.TensorTransform;
import dev.tfjtransfer.data.Transforms;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One transform of a pipeline, written as a single-key map in YAML with torchvision's argument
 * names: {@code - random_resized_crop: {size: 224}}, {@code - horizontal_flip: {p: 0.5}},
 * {@code - resize: {size: 256, interpolation: bicubic}}, {@code - center_crop: {size: 224}},
 * {@code - color_jitter: {brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1}},
 * {@code - random_rotation: {degrees: 15}}, {@code - vertical_flip: {p: 0.5}},
 * {@code - random_grayscale: {p: 0.1}}, {@code - random_affine: {degrees: 10, translate: [0.1, 0.1]}},
 * {@code - gaussian_blur: {kernel_size: 5, sigma: [0.1, 2.0]}}, {@code - trivial_augment_wide: {}},
 * {@code - rand_augment: {num_ops: 2, magnitude: 9}} and {@code - random_erasing: {p: 0.25}} (which
 * acts on the normalized tensor, so it comes after every image transform).
 */
public record TransformConfig(RandomResizedCrop randomResizedCrop, Flip horizontalFlip, Resize resize,
    Size centerCrop, ColorJitter colorJitter, Rotation randomRotation, VerticalFlip verticalFlip,
    Grayscale randomGrayscale, Affine randomAffine, Blur gaussianBlur, TrivialAugmentWide trivialAugmentWide,
    RandAugment randAugment, Erasing randomErasing) {
  private static final String NAMES = "random_resized_crop, horizontal_flip, resize, center_crop, color_jitter,"
      + " random_rotation, vertical_flip, random_grayscale, random_affine, gaussian_blur, trivial_augment_wide,"
      + " rand_augment, random_erasing";

  public TransformConfig {
    long set = Stream.of(randomResizedCrop, horizontalFlip, resize, centerCrop, colorJitter, randomRotation,
        verticalFlip, randomGrayscale, randomAffine, gaussianBlur, trivialAugmentWide, randAugment, randomErasing)
        .filter(Objects::nonNull).count();
    if (set != 1) {
      throw new IllegalArgumentException("each transform is one of " + NAMES + "; received "
          + (set == 0 ? "none of them (write '- name: {}' for a transform's defaults)" : set + " in one entry"));
    }
  }

  static TransformConfig randomResizedCrop(int size) {
    return new TransformConfig(new RandomResizedCrop(size, null, null), null, null, null, null, null, null, null,
        null, null, null, null, null);
  }

  static TransformConfig flip(double p) {
    return new TransformConfig(null, new Flip(p), null, null, null, null, null, null, null, null, null, null, null);
  }

  static TransformConfig resize(int size, Interpolation interpolation) {
    return new TransformConfig(null, null, new Resize(size, Resize.name(interpolation)), null, null, null, null, null, null, null, null, null,
        null);
  }

  static TransformConfig centerCrop(int size) {
    return new TransformConfig(null, null, null, new Size(size), null, null, null, null, null, null, null, null,
        null);
  }

  /** The output side length if this transform fixes it (crops), else 0. */
  int outputSize() {
    if (randomResizedCrop != null) {
      return randomResizedCrop.size();
    }
    return centerCrop != null ? centerCrop.size() : 0;
  }

  /** Whether this step works on the normalized tensor rather than the image. */
  boolean isTensorTransform() {
    return randomErasing != null;
  }

  TensorTransform toTensorTransform() {
    return randomErasing.toTransform();
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
    if (centerCrop != null) {
      return Transforms.centerCrop(centerCrop.size());
    }
    if (colorJitter != null) {
      return colorJitter.toTransform();
    }
    if (randomRotation != null) {
      List<Double> center = randomRotation.center();
      return new Augmentations.RandomRotation(angles("random_rotation.degrees", randomRotation.degrees()),
          resample(randomRotation.interpolation()), randomRotation.expand(),
          center == null ? null : new double[] {center.get(0), center.get(1)}, ints(randomRotation.fill()));
    }
    if (verticalFlip != null) {
      return new Augmentations.RandomVerticalFlip(verticalFlip.p());
    }
    if (randomGrayscale != null) {
      return new Augmentations.RandomGrayscale(randomGrayscale.p());
    }
    if (randomAffine != null) {
      return randomAffine.toTransform();
    }
    if (gaussianBlur != null) {
      List<Integer> k = gaussianBlur.kernelSize();
      List<Double> s = gaussianBlur.sigma();
      return new Augmentations.GaussianBlur(k.get(0), k.get(k.size() - 1), new Range(s.get(0), s.get(s.size() - 1)));
    }
    if (trivialAugmentWide != null) {
      return new AutoAugment.TrivialAugmentWide(trivialAugmentWide.numMagnitudeBins(),
          resample(trivialAugmentWide.interpolation()), ints(trivialAugmentWide.fill()));
    }
    if (randAugment != null) {
      return new AutoAugment.RandAugment(randAugment.numOps(), randAugment.magnitude(),
          randAugment.numMagnitudeBins(), resample(randAugment.interpolation()), ints(randAugment.fill()));
    }
    throw new IllegalArgumentException("random_erasing works on the normalized tensor, not the image");
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

  /** {@code RandomVerticalFlip(p)}. */
  public record VerticalFlip(Double p) {
    public VerticalFlip {
      p = p == null ? 0.5 : p;
      Checks.range("vertical_flip.p", p, 0, 1);
    }
  }

  /** {@code RandomGrayscale(p)}. */
  public record Grayscale(Double p) {
    public Grayscale {
      p = p == null ? 0.1 : p;
      Checks.range("random_grayscale.p", p, 0, 1);
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

  /** A side length: Resize's shorter side or CenterCrop's square. */
  public record Size(Integer size) {
    public Size {
      Checks.positive("size", size == null ? 0 : size);
    }
  }

  /**
   * {@code ColorJitter}: each of brightness, contrast, saturation is x (factor in
   * [max(0, 1 - x), 1 + x]) or [min, max]; hue is h (in [-h, h], h <= 0.5) or [min, max].
   */
  public record ColorJitter(List<Double> brightness, List<Double> contrast, List<Double> saturation,
      List<Double> hue) {
    public ColorJitter {
      brightness = oneOrTwo("color_jitter.brightness", brightness, List.of(0.0));
      contrast = oneOrTwo("color_jitter.contrast", contrast, List.of(0.0));
      saturation = oneOrTwo("color_jitter.saturation", saturation, List.of(0.0));
      hue = oneOrTwo("color_jitter.hue", hue, List.of(0.0));
      build(brightness, contrast, saturation, hue);
    }

    ImageTransform toTransform() {
      return build(brightness, contrast, saturation, hue);
    }

    private static ImageTransform build(List<Double> brightness, List<Double> contrast, List<Double> saturation,
        List<Double> hue) {
      return new Augmentations.ColorJitter(factors("color_jitter.brightness", brightness),
          factors("color_jitter.contrast", contrast), factors("color_jitter.saturation", saturation),
          hueRange(hue));
    }

    private static Range factors(String key, List<Double> v) {
      if (v.size() == 1) {
        Checks.nonNegative(key, v.get(0));
        return v.get(0) == 0 ? null : new Range(Math.max(0, 1 - v.get(0)), 1 + v.get(0));
      }
      Range r = range(key, v);
      Checks.nonNegative(key + "[0]", r.min());
      return r.min() == 1 && r.max() == 1 ? null : r;
    }

    private static Range hueRange(List<Double> v) {
      if (v.size() == 1) {
        Checks.range("color_jitter.hue", v.get(0), 0, 0.5);
        return v.get(0) == 0 ? null : new Range(-v.get(0), v.get(0));
      }
      Range r = range("color_jitter.hue", v);
      Checks.range("color_jitter.hue[0]", r.min(), -0.5, 0.5);
      Checks.range("color_jitter.hue[1]", r.max(), -0.5, 0.5);
      return r.min() == 0 && r.max() == 0 ? null : r;
    }
  }

  /**
   * {@code RandomRotation(degrees, interpolation, expand, center, fill)}: degrees d (meaning
   * [-d, d]) or [min, max]; center [x, y] in pixels (default: the image centre).
   */
  public record Rotation(List<Double> degrees, String interpolation, Boolean expand, List<Double> center,
      List<Integer> fill) {
    public Rotation {
      if (degrees == null) {
        throw new IllegalArgumentException("random_rotation.degrees is required (a number d for [-d, d], or [min,"
            + " max])");
      }
      degrees = oneOrTwo("random_rotation.degrees", degrees, null);
      interpolation = checkedInterpolation("random_rotation", interpolation);
      expand = expand != null && expand;
      center = center == null ? null : List.copyOf(center);
      if (center != null && center.size() != 2) {
        throw new IllegalArgumentException("random_rotation.center needs two values [x, y]; received: " + center);
      }
      fill = checkedFill("random_rotation", fill);
      angles("random_rotation.degrees", degrees);
    }
  }

  /**
   * {@code RandomAffine(degrees, translate, scale, shear, interpolation, fill)}: translate holds the
   * maximum fractions [x, y]; scale [min, max]; shear s ([-s, s] along x), [min, max] along x or
   * four values (x then y ranges).
   */
  public record Affine(List<Double> degrees, List<Double> translate, List<Double> scale, List<Double> shear,
      String interpolation, List<Integer> fill) {
    public Affine {
      if (degrees == null) {
        throw new IllegalArgumentException("random_affine.degrees is required (0 for no rotation)");
      }
      degrees = oneOrTwo("random_affine.degrees", degrees, null);
      translate = translate == null ? null : List.copyOf(translate);
      if (translate != null && translate.size() != 2) {
        throw new IllegalArgumentException("random_affine.translate needs two fractions [x, y]; received: "
            + translate);
      }
      scale = scale == null ? null : List.copyOf(scale);
      if (scale != null) {
        range("random_affine.scale", scale);
      }
      shear = shear == null ? null : List.copyOf(shear);
      if (shear != null && shear.size() != 1 && shear.size() != 2 && shear.size() != 4) {
        throw new IllegalArgumentException("random_affine.shear needs 1, 2 or 4 values; received: " + shear);
      }
      interpolation = checkedInterpolation("random_affine", interpolation);
      fill = checkedFill("random_affine", fill);
      build(degrees, translate, scale, shear, interpolation, fill);
    }

    ImageTransform toTransform() {
      return build(degrees, translate, scale, shear, interpolation, fill);
    }

    private static ImageTransform build(List<Double> degrees, List<Double> translate, List<Double> scale,
        List<Double> shear, String interpolation, List<Integer> fill) {
      Range shearX = null;
      Range shearY = null;
      if (shear != null) {
        shearX = shear.size() == 1 ? angles("random_affine.shear", shear) : range("random_affine.shear",
            shear.subList(0, 2));
        shearY = shear.size() == 4 ? range("random_affine.shear[2:4]", shear.subList(2, 4)) : null;
      }
      return new Augmentations.RandomAffine(angles("random_affine.degrees", degrees),
          translate == null ? null : translate.stream().mapToDouble(Double::doubleValue).toArray(),
          scale == null ? null : range("random_affine.scale", scale), shearX, shearY, resample(interpolation),
          ints(fill));
    }
  }

  /** {@code GaussianBlur(kernel_size, sigma=(0.1, 2.0))}: kernel k or [kx, ky] (odd), sigma s or [min, max]. */
  public record Blur(List<Integer> kernelSize, List<Double> sigma) {
    public Blur {
      if (kernelSize == null || kernelSize.size() > 2 || kernelSize.isEmpty()) {
        throw new IllegalArgumentException("gaussian_blur.kernel_size is required: an odd number or [kx, ky]");
      }
      kernelSize = List.copyOf(kernelSize);
      for (int k : kernelSize) {
        if (k <= 0 || k % 2 == 0) {
          throw new IllegalArgumentException("gaussian_blur.kernel_size must be odd and positive; received: "
              + kernelSize);
        }
      }
      sigma = oneOrTwo("gaussian_blur.sigma", sigma, List.of(0.1, 2.0));
      Checks.positiveNumber("gaussian_blur.sigma", sigma.get(0));
      range("gaussian_blur.sigma", List.of(sigma.get(0), sigma.get(sigma.size() - 1)));
    }
  }

  /** {@code TrivialAugmentWide(num_magnitude_bins=31, interpolation=nearest, fill=0)}. */
  public record TrivialAugmentWide(Integer numMagnitudeBins, String interpolation, List<Integer> fill) {
    public TrivialAugmentWide {
      numMagnitudeBins = numMagnitudeBins == null ? 31 : numMagnitudeBins;
      Checks.range("trivial_augment_wide.num_magnitude_bins", numMagnitudeBins, 2, 1000);
      interpolation = checkedInterpolation("trivial_augment_wide", interpolation);
      fill = checkedFill("trivial_augment_wide", fill);
    }
  }

  /** {@code RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=nearest, fill=0)}. */
  public record RandAugment(Integer numOps, Integer magnitude, Integer numMagnitudeBins, String interpolation,
      List<Integer> fill) {
    public RandAugment {
      numOps = numOps == null ? 2 : numOps;
      Checks.range("rand_augment.num_ops", numOps, 0, 100);
      numMagnitudeBins = numMagnitudeBins == null ? 31 : numMagnitudeBins;
      Checks.range("rand_augment.num_magnitude_bins", numMagnitudeBins, 2, 1000);
      magnitude = magnitude == null ? 9 : magnitude;
      Checks.range("rand_augment.magnitude", magnitude, 0, numMagnitudeBins - 1);
      interpolation = checkedInterpolation("rand_augment", interpolation);
      fill = checkedFill("rand_augment", fill);
    }
  }

  /**
   * {@code RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)} on the normalized
   * tensor; value is a number, three numbers (per channel) or {@code random} (normal noise).
   */
  public record Erasing(Double p, List<Double> scale, List<Double> ratio, Object value) {
    public Erasing {
      p = p == null ? 0.5 : p;
      Checks.range("random_erasing.p", p, 0, 1);
      scale = scale == null ? List.of(0.02, 0.33) : List.copyOf(scale);
      range("random_erasing.scale", scale);
      ratio = ratio == null ? List.of(0.3, 3.3) : List.copyOf(ratio);
      range("random_erasing.ratio", ratio);
      value = value == null ? 0.0 : value;
      build(p, scale, ratio, value);
    }

    TensorTransform toTransform() {
      return build(p, scale, ratio, value);
    }

    private static TensorTransform build(double p, List<Double> scale, List<Double> ratio, Object value) {
      return new Augmentations.RandomErasing(p, range("random_erasing.scale", scale),
          range("random_erasing.ratio", ratio), fillValues(value));
    }

    private static float[] fillValues(Object value) {
      if ("random".equals(value)) {
        return null;
      }
      List<?> values = value instanceof List<?> l ? l : List.of(value);
      if ((values.size() == 1 || values.size() == 3) && values.stream().allMatch(v -> v instanceof Number)) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
      }
      throw new IllegalArgumentException("random_erasing.value must be a number, three numbers or 'random';"
          + " received: " + value);
    }
  }

  private static List<Double> oneOrTwo(String key, List<Double> v, List<Double> fallback) {
    if (v == null) {
      return fallback;
    }
    if (v.size() != 1 && v.size() != 2) {
      throw new IllegalArgumentException(key + " must be a number or [min, max]; received: " + v);
    }
    return List.copyOf(v);
  }

  private static Range range(String key, List<Double> v) {
    if (v.size() != 2 || !(v.get(0) <= v.get(1))) {
      throw new IllegalArgumentException(key + " must be [min, max] with min <= max; received: " + v);
    }
    return new Range(v.get(0), v.get(1));
  }

  /** torchvision's {@code _setup_angle}: d means [-d, d] (d >= 0), or an explicit [min, max]. */
  private static Range angles(String key, List<Double> v) {
    if (v.size() == 1) {
      Checks.nonNegative(key, v.get(0));
      return new Range(-v.get(0), v.get(0));
    }
    return range(key, v);
  }

  private static String checkedInterpolation(String transform, String value) {
    String v = value == null ? "nearest" : value;
    Checks.oneOf(transform + ".interpolation", v, "nearest", "bilinear");
    return v;
  }

  private static List<Integer> checkedFill(String transform, List<Integer> fill) {
    List<Integer> f = fill == null ? List.of(0) : List.copyOf(fill);
    if ((f.size() != 1 && f.size() != 3) || f.stream().anyMatch(v -> v < 0 || v > 255)) {
      throw new IllegalArgumentException(transform + ".fill must be one or three values in 0..255; received: " + f);
    }
    return f;
  }

  private static Resample resample(String interpolation) {
    return Resample.valueOf(interpolation.toUpperCase(Locale.ROOT));
  }

  private static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }
}
