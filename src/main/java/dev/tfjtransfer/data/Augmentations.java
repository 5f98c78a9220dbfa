package dev.tfjtransfer.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * torchvision 0.14's random augmentations on PIL images (ColorJitter, RandomRotation,
 * RandomVerticalFlip, RandomGrayscale, RandomAffine, GaussianBlur) and RandomErasing on the
 * normalized tensor. Each draws its parameters as torchvision's {@code get_params} does, from the
 * per-sample {@link SplittableRandom}, and applies them with PIL's arithmetic ({@link PilOps}).
 * Uniform draws are {@code min + (max - min) * u}, like torch's {@code uniform_}.
 */
public final class Augmentations {
  private Augmentations() {}

  /** A closed interval [min, max] of a random parameter. */
  public record Range(double min, double max) {
    public Range {
      if (!(min <= max)) {
        throw new IllegalArgumentException("a range needs min <= max; received: (" + min + ", " + max + ")");
      }
    }

    /** torchvision's {@code (-x, x)} for a single non-negative number. */
    public static Range symmetric(String name, double x) {
      requireNonNegative(name, x);
      return new Range(-x, x);
    }

    double draw(SplittableRandom random) {
      return min + (max - min) * random.nextDouble();
    }
  }

  /**
   * {@code ColorJitter}: brightness, contrast, saturation and hue factors, applied in a random order
   * (torch.randperm(4)); a null range leaves that property alone.
   */
  public record ColorJitter(Range brightness, Range contrast, Range saturation, Range hue)
      implements RandomOp<ColorJitter.Params> {
    public ColorJitter {
      for (Range r : new Range[] {brightness, contrast, saturation}) {
        if (r != null && r.min() < 0) {
          throw new IllegalArgumentException("brightness, contrast and saturation factors must be >= 0; received: "
              + r);
        }
      }
      if (hue != null && !(hue.min() >= -0.5 && hue.max() <= 0.5)) {
        throw new IllegalArgumentException("hue must lie in [-0.5, 0.5]; received: " + hue);
      }
    }

    /**
     * torchvision's constructor from single numbers: factors in [max(0, 1 - x), 1 + x], hue in
     * [-h, h] with h <= 0.5; 0 turns a property off.
     */
    public static ColorJitter of(double brightness, double contrast, double saturation, double hue) {
      if (hue > 0.5) {
        throw new IllegalArgumentException("hue must be in [0, 0.5]; received: hue=" + hue);
      }
      return new ColorJitter(factorRange("brightness", brightness), factorRange("contrast", contrast),
          factorRange("saturation", saturation), hue == 0 ? null : Range.symmetric("hue", hue));
    }

    private static Range factorRange(String name, double x) {
      requireNonNegative(name, x);
      return x == 0 ? null : new Range(Math.max(0, 1 - x), 1 + x);
    }

    /** The order of the four adjustments (0 brightness, 1 contrast, 2 saturation, 3 hue) and their factors. */
    public record Params(int[] order, Double brightness, Double contrast, Double saturation, Double hue) {}

    @Override
    public Params draw(RgbImage image, SplittableRandom random) {
      int[] order = {0, 1, 2, 3};
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      return new Params(order, drawIf(brightness, random), drawIf(contrast, random), drawIf(saturation, random),
          drawIf(hue, random));
    }

    @Override
    public RgbImage applyWith(RgbImage image, Params p) {
      RgbImage out = image;
      for (int op : p.order()) {
        if (op == 0 && p.brightness() != null) {
          out = PilOps.brightness(out, p.brightness());
        } else if (op == 1 && p.contrast() != null) {
          out = PilOps.contrast(out, p.contrast());
        } else if (op == 2 && p.saturation() != null) {
          out = PilOps.color(out, p.saturation());
        } else if (op == 3 && p.hue() != null) {
          out = PilOps.hue(out, p.hue());
        }
      }
      return out;
    }

    private static Double drawIf(Range range, SplittableRandom random) {
      return range == null ? null : range.draw(random);
    }
  }

  /** {@code RandomVerticalFlip(p)}. */
  public record RandomVerticalFlip(double p) implements RandomOp<Boolean> {
    public RandomVerticalFlip {
      requireProbability(p);
    }

    @Override
    public Boolean draw(RgbImage image, SplittableRandom random) {
      return random.nextDouble() < p;
    }

    @Override
    public RgbImage applyWith(RgbImage image, Boolean flip) {
      return flip ? PilOps.flipVertical(image) : image;
    }
  }

  /** {@code RandomGrayscale(p)}: PIL's convert("L") copied to three channels. */
  public record RandomGrayscale(double p) implements RandomOp<Boolean> {
    public RandomGrayscale {
      requireProbability(p);
    }

    @Override
    public Boolean draw(RgbImage image, SplittableRandom random) {
      return random.nextDouble() < p;
    }

    @Override
    public RgbImage applyWith(RgbImage image, Boolean gray) {
      return gray ? PilOps.grayscale(image) : image;
    }
  }

  /**
   * {@code RandomRotation(degrees, interpolation, expand, center, fill)}: PIL's
   * {@code Image.rotate}, counter-clockwise about {@code center} (x, y in pixels; null: the image
   * centre), keeping the size unless {@code expand} enlarges it to hold the whole rotated image.
   */
  public record RandomRotation(Range degrees, Resample resample, boolean expand, double[] center, int[] fill)
      implements RandomOp<Double> {
    public RandomRotation {
      if (center != null && center.length != 2) {
        throw new IllegalArgumentException("center needs two values (x, y); received: " + Arrays.toString(center));
      }
      center = center == null ? null : center.clone();
      fill = checkFill(fill);
    }

    @Override
    public Double draw(RgbImage image, SplittableRandom random) {
      return degrees.draw(random);
    }

    @Override
    public RgbImage applyWith(RgbImage image, Double angle) {
      return PilOps.rotate(image, angle, resample, fill, expand, center);
    }
  }

  /**
   * {@code RandomAffine(degrees, translate, scale, shear, interpolation, fill)} about the image
   * centre: torchvision's inverse matrix ({@code _get_inverse_affine_matrix}) through PIL's
   * {@code Image.transform}. {@code translate} holds the maximum fractions of width and height (or
   * null); {@code scale}, {@code shearX} and {@code shearY} (degrees) are null when off.
   */
  public record RandomAffine(Range degrees, double[] translate, Range scale, Range shearX, Range shearY,
      Resample resample, int[] fill) implements RandomOp<RandomAffine.Params> {
    public RandomAffine {
      if (translate != null && (translate.length != 2 || Arrays.stream(translate).anyMatch(t -> !(t >= 0 && t <= 1)))) {
        throw new IllegalArgumentException("translate needs two fractions in [0, 1]; received: "
            + Arrays.toString(translate));
      }
      if (scale != null && !(scale.min() > 0)) {
        throw new IllegalArgumentException("scale values must be positive; received: " + scale);
      }
      if (shearY != null && shearX == null) {
        throw new IllegalArgumentException("a y shear range needs an x shear range too (torchvision's 4-value shear)");
      }
      fill = checkFill(fill);
    }

    /** Rotation (degrees, clockwise as torchvision's affine), whole-pixel translation, scale, shears (degrees). */
    public record Params(double angle, int translateX, int translateY, double scale, double shearX, double shearY) {}

    @Override
    public Params draw(RgbImage image, SplittableRandom random) {
      double angle = degrees.draw(random);
      int tx = 0;
      int ty = 0;
      if (translate != null) {
        double maxDx = translate[0] * image.width();
        double maxDy = translate[1] * image.height();
        // Python's round(): ties to even
        tx = (int) Math.rint(new Range(-maxDx, maxDx).draw(random));
        ty = (int) Math.rint(new Range(-maxDy, maxDy).draw(random));
      }
      double s = scale == null ? 1.0 : scale.draw(random);
      double sx = shearX == null ? 0.0 : shearX.draw(random);
      double sy = shearY == null ? 0.0 : shearY.draw(random);
      return new Params(angle, tx, ty, s, sx, sy);
    }

    @Override
    public RgbImage applyWith(RgbImage image, Params p) {
      double[] matrix = inverseAffineMatrix(image.width() * 0.5, image.height() * 0.5, p.angle(), p.translateX(),
          p.translateY(), p.scale(), p.shearX(), p.shearY());
      return PilOps.transformAffine(image, matrix, resample, fill);
    }
  }

  /**
   * {@code GaussianBlur(kernel_size, sigma)}: sigma uniform in the range, then torchvision's PIL
   * path: to a tensor, reflect padding, the normalized Gaussian kernel, rounded back to 8 bits.
   */
  public record GaussianBlur(int kernelWidth, int kernelHeight, Range sigma) implements RandomOp<Double> {
    public GaussianBlur {
      if (kernelWidth <= 0 || kernelWidth % 2 == 0 || kernelHeight <= 0 || kernelHeight % 2 == 0) {
        throw new IllegalArgumentException("kernel sizes must be odd and positive; received: " + kernelWidth + "x"
            + kernelHeight);
      }
      if (!(sigma.min() > 0)) {
        throw new IllegalArgumentException("sigma must be positive; received: " + sigma);
      }
    }

    @Override
    public Double draw(RgbImage image, SplittableRandom random) {
      return sigma.draw(random);
    }

    @Override
    public RgbImage applyWith(RgbImage image, Double s) {
      return gaussianBlur(image, kernelWidth, kernelHeight, s, s);
    }
  }

  /**
   * {@code RandomErasing(p, scale, ratio, value)} on the normalized tensor: with probability p, up
   * to ten tries at a box of area fraction in {@code scale} and log-uniform aspect ratio
   * (height / width) in {@code ratio}, filled with {@code value} per channel, or with standard
   * normal noise when {@code value} is null (torchvision's {@code value='random'}).
   */
  public record RandomErasing(double p, Range scale, Range ratio, float[] value) implements TensorTransform {
    public RandomErasing {
      requireProbability(p);
      if (!(scale.min() >= 0 && scale.max() <= 1)) {
        throw new IllegalArgumentException("scale must lie in [0, 1]; received: " + scale);
      }
      if (!(ratio.min() > 0)) {
        throw new IllegalArgumentException("ratio must be positive; received: " + ratio);
      }
      if (value != null && value.length != 1 && value.length != 3) {
        throw new IllegalArgumentException("value needs 1 or 3 numbers; received " + value.length);
      }
      value = value == null ? null : value.length == 3 ? value.clone() : new float[] {value[0], value[0], value[0]};
    }

    /**
     * The box (top, left, height, width) and its fill: 3 values (one per channel) or 3*h*w in
     * torch's CHW order; {@link #NONE} leaves the tensor alone.
     */
    public record Params(int top, int left, int height, int width, float[] values) {}

    public static final Params NONE = new Params(0, 0, 0, 0, new float[0]);

    public Params draw(int imageHeight, int imageWidth, SplittableRandom random) {
      if (!(random.nextDouble() < p)) {
        return NONE;
      }
      double area = (double) imageHeight * imageWidth;
      Range logRatio = new Range(Math.log(ratio.min()), Math.log(ratio.max()));
      for (int attempt = 0; attempt < 10; attempt++) {
        double eraseArea = area * scale.draw(random);
        double aspect = Math.exp(logRatio.draw(random));
        int h = (int) Math.rint(Math.sqrt(eraseArea * aspect));
        int w = (int) Math.rint(Math.sqrt(eraseArea / aspect));
        if (!(h < imageHeight && w < imageWidth)) {
          continue;
        }
        float[] values = value;
        if (values == null) {
          values = new float[3 * h * w];
          for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
          }
        }
        return new Params(random.nextInt(imageHeight - h + 1), random.nextInt(imageWidth - w + 1), h, w, values);
      }
      return NONE;
    }

    /** torchvision's {@code F.erase}: the box takes the values. */
    public static void applyWith(float[] tensor, int offset, int width, Params p) {
      boolean perChannel = p.values().length == 3;
      for (int y = 0; y < p.height(); y++) {
        for (int x = 0; x < p.width(); x++) {
          int at = offset + ((p.top() + y) * width + p.left() + x) * 3;
          for (int c = 0; c < 3; c++) {
            tensor[at + c] = perChannel ? p.values()[c] : p.values()[(c * p.height() + y) * p.width() + x];
          }
        }
      }
    }

    @Override
    public void apply(float[] tensor, int offset, int height, int width, SplittableRandom random) {
      applyWith(tensor, offset, width, draw(height, width, random));
    }
  }

  /**
   * torchvision's {@code _get_inverse_affine_matrix}: the output-to-input matrix PIL's
   * {@code Image.transform} takes, for a rotation (degrees), translation, scale and shears (degrees)
   * about (cx, cy).
   */
  static double[] inverseAffineMatrix(double cx, double cy, double angle, double tx, double ty, double scale,
      double shearX, double shearY) {
    double rot = Math.toRadians(angle);
    double sx = Math.toRadians(shearX);
    double sy = Math.toRadians(shearY);
    double a = Math.cos(rot - sy) / Math.cos(sy);
    double b = -Math.cos(rot - sy) * Math.tan(sx) / Math.cos(sy) - Math.sin(rot);
    double c = Math.sin(rot - sy) / Math.cos(sy);
    double d = -Math.sin(rot - sy) * Math.tan(sx) / Math.cos(sy) + Math.cos(rot);
    double[] m = {d / scale, -b / scale, 0.0 / scale, -c / scale, a / scale, 0.0 / scale};
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
    m[2] += cx;
    m[5] += cy;
    return m;
  }

  /**
   * torchvision's {@code gaussian_blur} on a PIL image: float32 kernel
   * {@code exp(-x^2 / (2 sigma^2))} normalized to sum 1, reflect padding (edge not repeated),
   * rounded half to even. Computed separably in double; torch's float32 sums differ only in the
   * last bits.
   */
  static RgbImage gaussianBlur(RgbImage image, int kernelWidth, int kernelHeight, double sigmaX, double sigmaY) {
    int w = image.width();
    int h = image.height();
    if (kernelWidth / 2 >= w || kernelHeight / 2 >= h) {
      throw new IllegalArgumentException("gaussian_blur: reflect padding needs the kernel radius below the image"
          + " size; received kernel " + kernelWidth + "x" + kernelHeight + " for a " + w + "x" + h + " image");
    }
    float[] kx = gaussianKernel(kernelWidth, sigmaX);
    float[] ky = gaussianKernel(kernelHeight, sigmaY);
    byte[] in = image.pixels();
    double[] rows = new double[in.length];
    int rx = kernelWidth / 2;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          double sum = 0;
          for (int k = 0; k < kernelWidth; k++) {
            sum += kx[k] * (double) (in[(y * w + reflect(x + k - rx, w)) * 3 + c] & 0xff);
          }
          rows[(y * w + x) * 3 + c] = sum;
        }
      }
    }
    byte[] out = new byte[in.length];
    int ry = kernelHeight / 2;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          double sum = 0;
          for (int k = 0; k < kernelHeight; k++) {
            sum += ky[k] * rows[(reflect(y + k - ry, h) * w + x) * 3 + c];
          }
          out[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, (int) Math.rint(sum)));
        }
      }
    }
    return new RgbImage(w, h, out);
  }

  private static float[] gaussianKernel(int size, double sigma) {
    float half = (size - 1) * 0.5f;
    float[] kernel = new float[size];
    float sum = 0;
    for (int i = 0; i < size; i++) {
      float x = (-half + i) / (float) sigma;
      kernel[i] = (float) Math.exp(-0.5f * x * x);
      sum += kernel[i];
    }
    for (int i = 0; i < size; i++) {
      kernel[i] /= sum;
    }
    return kernel;
  }

  /** torch's reflect padding: -1 maps to 1, n to n - 2. */
  private static int reflect(int i, int n) {
    return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
  }

  static int[] checkFill(int[] fill) {
    int[] f = fill == null ? new int[] {0, 0, 0} : fill.length == 1 ? new int[] {fill[0], fill[0], fill[0]} : fill;
    if (f.length != 3 || Arrays.stream(f).anyMatch(v -> v < 0 || v > 255)) {
      throw new IllegalArgumentException("fill needs 1 or 3 values in 0..255; received: " + Arrays.toString(fill));
    }
    return f.clone();
  }

  private static void requireProbability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("p must be in [0, 1]; received: p=" + p);
    }
  }

  private static void requireNonNegative(String name, double x) {
    if (!(x >= 0)) {
      throw new IllegalArgumentException(name + " must be >= 0; received: " + name + "=" + x);
    }
  }
}
