package dev.tfjtransfer.data;

/**
 * torchvision's transforms on PIL images, with torchvision 0.14's size arithmetic and PIL's
 * resampling ({@link PilResample}); the augmentations' full argument lists are the records in
 * {@link Augmentations} and {@link AutoAugment}.
 */
public final class Transforms {
  private Transforms() {}

  /** {@code Resize(size)}, bilinear. */
  public static ImageTransform resizeShorter(int size) {
    return resizeShorter(size, Interpolation.BILINEAR);
  }

  /**
   * {@code Resize(size, interpolation)}: the shorter side becomes {@code size}, the longer keeps the
   * aspect ratio (truncated).
   */
  public static ImageTransform resizeShorter(int size, Interpolation interpolation) {
    requirePositive("size", size);
    return new ResizeShorter(size, interpolation);
  }

  /** {@link #resizeShorter}, a record so the export can do the same resize in its graph. */
  public record ResizeShorter(int size, Interpolation interpolation) implements ImageTransform {
    @Override
    public RgbImage apply(RgbImage image, java.util.SplittableRandom random) {
      int w = image.width();
      int h = image.height();
      int shortSide = Math.min(w, h);
      int longSide = Math.max(w, h);
      if (shortSide == size) {
        return image;
      }
      int newLong = (int) ((double) ((long) size * longSide) / shortSide);
      return w <= h ? PilResample.resize(image, size, newLong, interpolation)
          : PilResample.resize(image, newLong, size, interpolation);
    }
  }

  /** {@code Resize((height, width))}: both sides fixed. */
  public static ImageTransform resize(int height, int width) {
    requirePositive("height", height);
    requirePositive("width", width);
    return (image, random) -> PilResample.resize(image, width, height, Interpolation.BILINEAR);
  }

  /**
   * {@code CenterCrop(size)}: the offset is {@code round((in - size) / 2)} with Python's
   * round-half-to-even; an image smaller than the crop is zero-padded first, as torchvision does.
   */
  public static ImageTransform centerCrop(int size) {
    requirePositive("size", size);
    return new CenterCrop(size);
  }

  /** {@link #centerCrop}, a record so the export can do the same crop in its graph. */
  public record CenterCrop(int size) implements ImageTransform {
    @Override
    public RgbImage apply(RgbImage image, java.util.SplittableRandom random) {
      RgbImage padded = padToAtLeast(image, size, size);
      int top = (int) Math.rint((padded.height() - size) / 2.0);
      int left = (int) Math.rint((padded.width() - size) / 2.0);
      return crop(padded, left, top, size, size);
    }
  }

  /** {@code RandomHorizontalFlip(p)}. */
  public static ImageTransform randomHorizontalFlip(double p) {
    return new RandomHorizontalFlip(p);
  }

  /** {@link #randomHorizontalFlip}: the draw is whether to flip. */
  public record RandomHorizontalFlip(double p) implements RandomOp<Boolean> {
    public RandomHorizontalFlip {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("p must be in [0, 1]; received: p=" + p);
      }
    }

    @Override
    public Boolean draw(RgbImage image, java.util.SplittableRandom random) {
      return random.nextDouble() < p;
    }

    @Override
    public RgbImage applyWith(RgbImage image, Boolean flip) {
      return flip ? flipHorizontal(image) : image;
    }
  }

  /**
   * {@code RandomResizedCrop(size, scale, ratio)}: up to ten tries at a crop of random area
   * fraction in {@code scale} and log-uniform aspect ratio in {@code ratio}, then torchvision's
   * centre fallback; the crop is resized to {@code size x size}.
   */
  public static ImageTransform randomResizedCrop(int size, double minScale, double maxScale, double minRatio,
      double maxRatio) {
    return new RandomResizedCrop(size, minScale, maxScale, minRatio, maxRatio);
  }

  /**
   * {@link #randomResizedCrop}: the draw is the crop box, which torchvision's
   * {@code resized_crop(img, top, left, height, width, size)} replays.
   */
  public record RandomResizedCrop(int size, double minScale, double maxScale, double minRatio, double maxRatio)
      implements RandomOp<RandomResizedCrop.Box> {
    /** The crop in torchvision's {@code get_params} order (i, j, h, w). */
    public record Box(int top, int left, int height, int width) {}

    public RandomResizedCrop {
      requirePositive("size", size);
      if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1 && minRatio > 0 && minRatio <= maxRatio)) {
        throw new IllegalArgumentException("need 0 < scale_min <= scale_max <= 1 and 0 < ratio_min <= ratio_max;"
          + " received: scale=(" + minScale + ", " + maxScale + "), ratio=(" + minRatio + ", " + maxRatio + ")");
      }
    }

    @Override
    public Box draw(RgbImage image, java.util.SplittableRandom random) {
      int[] box = randomCropBox(image.width(), image.height(), minScale, maxScale, minRatio, maxRatio, random);
      return new Box(box[1], box[0], box[3], box[2]);
    }

    @Override
    public RgbImage applyWith(RgbImage image, Box box) {
      return PilResample.resize(crop(image, box.left(), box.top(), box.width(), box.height()), size, size,
          Interpolation.BILINEAR);
    }
  }

  public static ImageTransform randomResizedCrop(int size) {
    return randomResizedCrop(size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
  }

  /** {@code ColorJitter(brightness, contrast, saturation, hue)}: factors in [max(0, 1 - x), 1 + x], hue in [-h, h]. */
  public static ImageTransform colorJitter(double brightness, double contrast, double saturation, double hue) {
    return Augmentations.ColorJitter.of(brightness, contrast, saturation, hue);
  }

  /** {@code RandomRotation(degrees)}: uniform in [-degrees, degrees], NEAREST, fill 0. */
  public static ImageTransform randomRotation(double degrees) {
    return new Augmentations.RandomRotation(Augmentations.Range.symmetric("degrees", degrees), Resample.NEAREST, false, null,
        null);
  }

  /** {@code RandomVerticalFlip(p)}. */
  public static ImageTransform randomVerticalFlip(double p) {
    return new Augmentations.RandomVerticalFlip(p);
  }

  /** {@code RandomGrayscale(p)}. */
  public static ImageTransform randomGrayscale(double p) {
    return new Augmentations.RandomGrayscale(p);
  }

  /** {@code GaussianBlur(kernel_size, sigma=(sigmaMin, sigmaMax))} with a square kernel. */
  public static ImageTransform gaussianBlur(int kernelSize, double sigmaMin, double sigmaMax) {
    return new Augmentations.GaussianBlur(kernelSize, kernelSize, new Augmentations.Range(sigmaMin, sigmaMax));
  }

  /** {@code TrivialAugmentWide()}: 31 magnitude bins, NEAREST, fill 0. */
  public static ImageTransform trivialAugmentWide() {
    return new AutoAugment.TrivialAugmentWide();
  }

  /** {@code RandAugment(num_ops, magnitude)}: 31 magnitude bins, NEAREST, fill 0. */
  public static ImageTransform randAugment(int numOps, int magnitude) {
    return new AutoAugment.RandAugment(numOps, magnitude);
  }

  /**
   * {@code RandomErasing(p)} with torchvision's defaults (scale 0.02..0.33, ratio 0.3..3.3, value
   * 0): a step on the normalized tensor, the last argument of {@link Pipeline}.
   */
  public static TensorTransform randomErasing(double p) {
    return new Augmentations.RandomErasing(p, new Augmentations.Range(0.02, 0.33), new Augmentations.Range(0.3, 3.3),
        new float[] {0f});
  }

  /** {@code RandomResizedCrop.get_params}: returns {left, top, width, height}. */
  static int[] randomCropBox(int width, int height, double minScale, double maxScale, double minRatio,
      double maxRatio, java.util.SplittableRandom random) {
    double area = (double) width * height;
    double logMin = Math.log(minRatio);
    double logMax = Math.log(maxRatio);
    for (int attempt = 0; attempt < 10; attempt++) {
      double targetArea = area * (minScale + (maxScale - minScale) * random.nextDouble());
      double aspect = Math.exp(logMin + (logMax - logMin) * random.nextDouble());
      int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        int top = random.nextInt(height - h + 1);
        int left = random.nextInt(width - w + 1);
        return new int[] {left, top, w, h};
      }
    }
    double inRatio = (double) width / height;
    int w;
    int h;
    if (inRatio < minRatio) {
      w = width;
      h = (int) Math.rint(w / minRatio);
    } else if (inRatio > maxRatio) {
      h = height;
      w = (int) Math.rint(h * maxRatio);
    } else {
      w = width;
      h = height;
    }
    return new int[] {(width - w) / 2, (height - h) / 2, w, h};
  }

  static RgbImage crop(RgbImage image, int left, int top, int width, int height) {
    if (left == 0 && top == 0 && width == image.width() && height == image.height()) {
      return image;
    }
    byte[] out = new byte[width * height * 3];
    for (int y = 0; y < height; y++) {
      System.arraycopy(image.pixels(), ((top + y) * image.width() + left) * 3, out, y * width * 3, width * 3);
    }
    return new RgbImage(width, height, out);
  }

  static RgbImage flipHorizontal(RgbImage image) {
    int w = image.width();
    byte[] src = image.pixels();
    byte[] out = new byte[src.length];
    for (int y = 0; y < image.height(); y++) {
      int row = y * w * 3;
      for (int x = 0; x < w; x++) {
        System.arraycopy(src, row + x * 3, out, row + (w - 1 - x) * 3, 3);
      }
    }
    return new RgbImage(w, image.height(), out);
  }

  private static RgbImage padToAtLeast(RgbImage image, int width, int height) {
    if (image.width() >= width && image.height() >= height) {
      return image;
    }
    // torchvision pads (crop - in) // 2 on the left/top and the rest on the right/bottom
    int newWidth = Math.max(width, image.width());
    int newHeight = Math.max(height, image.height());
    int left = (newWidth - image.width()) / 2;
    int top = (newHeight - image.height()) / 2;
    byte[] out = new byte[newWidth * newHeight * 3];
    for (int y = 0; y < image.height(); y++) {
      System.arraycopy(image.pixels(), y * image.width() * 3, out, ((top + y) * newWidth + left) * 3,
          image.width() * 3);
    }
    return new RgbImage(newWidth, newHeight, out);
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive; received: " + name + "=" + value);
    }
  }
}
