package dev.tfjtransfer.data;

/**
 * PIL's {@code Image.resize(size, BILINEAR | BICUBIC)} re-implemented bit for bit (Pillow's
 * Resample.c): a separable filter (triangle, or Keys' cubic with a = -0.5) whose support widens
 * with the downscale factor (so downscaling antialiases), 22-bit fixed-point coefficients, a
 * horizontal pass then a vertical pass, each rounded and clipped to 8 bits. torchvision's Resize
 * on PIL images is exactly this call.
 */
public final class PilResample {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double CUBIC_A = -0.5;

  private PilResample() {}

  /** Resamples the box (x0, y0)-(x1, y1) of {@code in} to {@code outWidth x outHeight}. */
  public static RgbImage resize(RgbImage in, int outWidth, int outHeight, double x0, double y0, double x1, double y1,
      Interpolation filter) {
    boolean horizontal = outWidth != in.width() || x0 != 0 || x1 != outWidth;
    boolean vertical = outHeight != in.height() || y0 != 0 || y1 != outHeight;
    Coefficients cols = Coefficients.of(in.width(), x0, x1, outWidth, filter);
    Coefficients rows = Coefficients.of(in.height(), y0, y1, outHeight, filter);
    RgbImage image = in;
    int rowOffset = 0;
    if (horizontal) {
      // only the source rows the vertical pass reads
      int first = rows.start[0];
      int last = rows.start[outHeight - 1] + rows.count[outHeight - 1];
      image = horizontalPass(in, cols, first, last - first);
      rowOffset = first;
    }
    if (vertical) {
      image = verticalPass(image, rows, rowOffset);
    }
    return image;
  }

  public static RgbImage resize(RgbImage in, int outWidth, int outHeight, Interpolation filter) {
    return resize(in, outWidth, outHeight, 0, 0, in.width(), in.height(), filter);
  }

  private static RgbImage horizontalPass(RgbImage in, Coefficients k, int firstRow, int rowCount) {
    int outWidth = k.start.length;
    byte[] src = in.pixels();
    byte[] dst = new byte[outWidth * rowCount * 3];
    int inStride = in.width() * 3;
    for (int y = 0; y < rowCount; y++) {
      int rowBase = (y + firstRow) * inStride;
      int outBase = y * outWidth * 3;
      for (int x = 0; x < outWidth; x++) {
        int start = k.start[x];
        int count = k.count[x];
        int weights = x * k.size;
        int s0 = 1 << (PRECISION_BITS - 1);
        int s1 = s0;
        int s2 = s0;
        for (int i = 0; i < count; i++) {
          int w = k.weights[weights + i];
          int p = rowBase + (start + i) * 3;
          s0 += (src[p] & 0xff) * w;
          s1 += (src[p + 1] & 0xff) * w;
          s2 += (src[p + 2] & 0xff) * w;
        }
        int o = outBase + x * 3;
        dst[o] = clip8(s0);
        dst[o + 1] = clip8(s1);
        dst[o + 2] = clip8(s2);
      }
    }
    return new RgbImage(outWidth, rowCount, dst);
  }

  private static RgbImage verticalPass(RgbImage in, Coefficients k, int rowOffset) {
    int outHeight = k.start.length;
    int width = in.width();
    byte[] src = in.pixels();
    byte[] dst = new byte[width * outHeight * 3];
    int stride = width * 3;
    for (int y = 0; y < outHeight; y++) {
      int start = k.start[y] - rowOffset;
      int count = k.count[y];
      int weights = y * k.size;
      int outBase = y * stride;
      for (int x = 0; x < stride; x++) {
        int s = 1 << (PRECISION_BITS - 1);
        for (int i = 0; i < count; i++) {
          s += (src[(start + i) * stride + x] & 0xff) * k.weights[weights + i];
        }
        dst[outBase + x] = clip8(s);
      }
    }
    return new RgbImage(width, outHeight, dst);
  }

  private static byte clip8(int value) {
    int v = value >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }

  /** Per output pixel: first input index, number of taps, and fixed-point weights. */
  private static final class Coefficients {
    final int size;
    final int[] start;
    final int[] count;
    final int[] weights;

    private Coefficients(int size, int outSize) {
      this.size = size;
      this.start = new int[outSize];
      this.count = new int[outSize];
      this.weights = new int[outSize * size];
    }

    static Coefficients of(int inSize, double in0, double in1, int outSize, Interpolation filter) {
      double scale = (in1 - in0) / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = support(filter) * filterScale;
      int size = (int) Math.ceil(support) * 2 + 1;
      Coefficients c = new Coefficients(size, outSize);
      double[] k = new double[size];
      for (int xx = 0; xx < outSize; xx++) {
        double center = in0 + (xx + 0.5) * scale;
        double ss = 1.0 / filterScale;
        int xmin = Math.max((int) (center - support + 0.5), 0);
        int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
        double ww = 0;
        for (int x = 0; x < xmax; x++) {
          double w = kernel(filter, (x + xmin - center + 0.5) * ss);
          k[x] = w;
          ww += w;
        }
        for (int x = 0; x < xmax; x++) {
          double normalized = ww != 0 ? k[x] / ww : k[x];
          c.weights[xx * size + x] = (int) (normalized < 0 ? -0.5 + normalized * (1 << PRECISION_BITS)
              : 0.5 + normalized * (1 << PRECISION_BITS));
        }
        c.start[xx] = xmin;
        c.count[xx] = xmax;
      }
      return c;
    }

    private static double support(Interpolation filter) {
      return switch (filter) {
        case BILINEAR -> 1.0;
        case BICUBIC -> 2.0;
      };
    }

    private static double kernel(Interpolation filter, double x) {
      double a = Math.abs(x);
      return switch (filter) {
        case BILINEAR -> a < 1.0 ? 1.0 - a : 0.0;
        // Keys' cubic convolution with PIL's a = -0.5
        case BICUBIC -> a < 1.0 ? ((CUBIC_A + 2.0) * a - (CUBIC_A + 3.0)) * a * a + 1
            : a < 2.0 ? (((a - 5) * a + 8) * a - 4) * CUBIC_A : 0.0;
      };
    }
  }
}
