package dev.tfjtransfer.data;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Pillow 9.4's pixel arithmetic for the operations torchvision 0.14 applies to PIL images, bit for
 * bit: ImageEnhance (Image.blend with a degenerate image, Blend.c), convert("L") and the HSV
 * round trip (Convert.c), ImageOps' lookup tables, the SMOOTH filter (Filter.c), transposes and
 * Image.transform(AFFINE) with NEAREST or BILINEAR sampling (Geometry.c). Rounding follows the C
 * code: float where it computes in float, truncation where it casts.
 */
final class PilOps {
  private PilOps() {}

  /** PIL's convert("L"): ITU-R 601-2 luma in 16-bit fixed point, {@code L24} in Convert.c. */
  static int luma(int r, int g, int b) {
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }

  /** {@code convert("L").convert("RGB")}: the luma in all three channels. */
  static RgbImage grayscale(RgbImage image) {
    byte[] in = image.pixels();
    byte[] out = new byte[in.length];
    for (int i = 0; i < in.length; i += 3) {
      byte l = (byte) luma(in[i] & 0xff, in[i + 1] & 0xff, in[i + 2] & 0xff);
      out[i] = l;
      out[i + 1] = l;
      out[i + 2] = l;
    }
    return new RgbImage(image.width(), image.height(), out);
  }

  /**
   * {@code Image.blend(degenerate, image, factor)}, what every ImageEnhance class returns: alpha is
   * a C float, the interpolation truncates, the extrapolation (factor outside [0, 1]) clips.
   */
  static RgbImage blend(RgbImage degenerate, RgbImage image, double factor) {
    float alpha = (float) factor;
    byte[] a = degenerate.pixels();
    byte[] b = image.pixels();
    byte[] out = new byte[b.length];
    boolean interpolate = alpha >= 0 && alpha <= 1.0;
    for (int i = 0; i < out.length; i++) {
      int from = a[i] & 0xff;
      float v = from + alpha * ((b[i] & 0xff) - from);
      out[i] = (byte) (interpolate ? (int) v : v <= 0 ? 0 : v >= 255 ? 255 : (int) v);
    }
    return new RgbImage(image.width(), image.height(), out);
  }

  /** {@code ImageEnhance.Brightness}: blend with black. */
  static RgbImage brightness(RgbImage image, double factor) {
    return blend(new RgbImage(image.width(), image.height(), new byte[image.pixels().length]), image, factor);
  }

  /** {@code ImageEnhance.Contrast}: blend with the grey of the mean luma, {@code int(mean + 0.5)}. */
  static RgbImage contrast(RgbImage image, double factor) {
    byte[] in = image.pixels();
    long sum = 0;
    for (int i = 0; i < in.length; i += 3) {
      sum += luma(in[i] & 0xff, in[i + 1] & 0xff, in[i + 2] & 0xff);
    }
    byte mean = (byte) (int) ((double) sum / (in.length / 3) + 0.5);
    byte[] grey = new byte[in.length];
    java.util.Arrays.fill(grey, mean);
    return blend(new RgbImage(image.width(), image.height(), grey), image, factor);
  }

  /** {@code ImageEnhance.Color}: blend with the luma image. */
  static RgbImage color(RgbImage image, double factor) {
    return blend(grayscale(image), image, factor);
  }

  /** {@code ImageEnhance.Sharpness}: blend with {@code ImageFilter.SMOOTH}. */
  static RgbImage sharpness(RgbImage image, double factor) {
    return blend(smooth(image), image, factor);
  }

  /**
   * {@code ImageFilter.SMOOTH} (3x3 kernel 1 1 1 / 1 5 1 / 1 1 1 over 13): float sums plus 0.5,
   * truncated; the border rows and columns are copied unchanged (Filter.c).
   */
  static RgbImage smooth(RgbImage image) {
    int w = image.width();
    int h = image.height();
    byte[] in = image.pixels();
    if (w < 3 || h < 3) {
      return new RgbImage(w, h, in.clone());
    }
    float edge = 1f / 13f;
    float centre = 5f / 13f;
    byte[] out = in.clone();
    for (int y = 1; y < h - 1; y++) {
      for (int x = 1; x < w - 1; x++) {
        for (int c = 0; c < 3; c++) {
          int i = (y * w + x) * 3 + c;
          int up = i - w * 3;
          int down = i + w * 3;
          // Filter.c adds the row below first, then the row itself, then the row above
          float ss = 0.5f;
          ss += (in[down - 3] & 0xff) * edge + (in[down] & 0xff) * edge + (in[down + 3] & 0xff) * edge;
          ss += (in[i - 3] & 0xff) * edge + (in[i] & 0xff) * centre + (in[i + 3] & 0xff) * edge;
          ss += (in[up - 3] & 0xff) * edge + (in[up] & 0xff) * edge + (in[up + 3] & 0xff) * edge;
          out[i] = (byte) (ss <= 0 ? 0 : ss >= 255 ? 255 : (int) ss);
        }
      }
    }
    return new RgbImage(w, h, out);
  }

  /**
   * torchvision's {@code adjust_hue} on a PIL image: convert("HSV"), add {@code uint8(factor * 255)}
   * to H with uint8 wrap-around, convert back to RGB.
   */
  static RgbImage hue(RgbImage image, double factor) {
    // numpy's uint8(x) of a float truncates towards zero, then wraps
    int shift = ((int) (factor * 255)) & 0xff;
    byte[] in = image.pixels();
    byte[] out = new byte[in.length];
    int[] hsv = new int[3];
    for (int i = 0; i < in.length; i += 3) {
      rgbToHsv(in[i] & 0xff, in[i + 1] & 0xff, in[i + 2] & 0xff, hsv);
      hsvToRgb((hsv[0] + shift) & 0xff, hsv[1], hsv[2], out, i);
    }
    return new RgbImage(image.width(), image.height(), out);
  }

  /** Convert.c's {@code rgb2hsv_row}: float ratios, double arithmetic where C promotes, truncation. */
  static void rgbToHsv(int r, int g, int b, int[] hsv) {
    int max = Math.max(r, Math.max(g, b));
    int min = Math.min(r, Math.min(g, b));
    hsv[2] = max;
    if (min == max) {
      hsv[0] = 0;
      hsv[1] = 0;
      return;
    }
    float cr = max - min;
    float s = cr / max;
    float rc = (max - r) / cr;
    float gc = (max - g) / cr;
    float bc = (max - b) / cr;
    float h;
    if (r == max) {
      h = bc - gc;
    } else if (g == max) {
      h = (float) (2.0 + rc - bc);
    } else {
      h = (float) (4.0 + gc - rc);
    }
    h = (float) ((h / 6.0 + 1.0) % 1.0);
    hsv[0] = clip8((int) (h * 255.0));
    hsv[1] = clip8((int) (s * 255.0));
  }

  /** Convert.c's {@code hsv2rgb}, writing R, G, B at {@code out[offset]}. */
  static void hsvToRgb(int h, int s, int v, byte[] out, int offset) {
    if (s == 0) {
      out[offset] = (byte) v;
      out[offset + 1] = (byte) v;
      out[offset + 2] = (byte) v;
      return;
    }
    int i = (int) Math.floor((float) h * 6.0 / 255.0);
    float f = (float) ((float) h * 6.0 / 255.0 - (float) i);
    float fs = (float) ((float) s / 255.0);
    int p = clip8((int) roundHalfAway(v * (1.0 - fs)));
    int q = clip8((int) roundHalfAway(v * (1.0 - fs * f)));
    int t = clip8((int) roundHalfAway(v * (1.0 - fs * (1.0 - f))));
    int[] rgb = switch (i % 6) {
      case 0 -> new int[] {v, t, p};
      case 1 -> new int[] {q, v, p};
      case 2 -> new int[] {p, v, t};
      case 3 -> new int[] {p, q, v};
      case 4 -> new int[] {t, p, v};
      default -> new int[] {v, p, q};
    };
    out[offset] = (byte) rgb[0];
    out[offset + 1] = (byte) rgb[1];
    out[offset + 2] = (byte) rgb[2];
  }

  /** {@code ImageOps.posterize}: keep the top {@code bits} bits. */
  static RgbImage posterize(RgbImage image, int bits) {
    int mask = ~((1 << (8 - bits)) - 1);
    int[] lut = new int[256];
    for (int i = 0; i < 256; i++) {
      lut[i] = i & mask;
    }
    return applyLut(image, lut, lut, lut);
  }

  /** {@code ImageOps.solarize}: invert every value at or above {@code threshold}. */
  static RgbImage solarize(RgbImage image, double threshold) {
    int[] lut = new int[256];
    for (int i = 0; i < 256; i++) {
      lut[i] = i < threshold ? i : 255 - i;
    }
    return applyLut(image, lut, lut, lut);
  }

  /** {@code ImageOps.autocontrast()} (no cutoff): each channel's [lo, hi] stretched to [0, 255]. */
  static RgbImage autocontrast(RgbImage image) {
    int[][] histograms = histograms(image);
    int[][] luts = new int[3][256];
    for (int c = 0; c < 3; c++) {
      int[] h = histograms[c];
      int lo = 0;
      while (lo < 255 && h[lo] == 0) {
        lo++;
      }
      int hi = 255;
      while (hi > 0 && h[hi] == 0) {
        hi--;
      }
      for (int i = 0; i < 256; i++) {
        if (hi <= lo) {
          luts[c][i] = i;
        } else {
          double scale = 255.0 / (hi - lo);
          double offset = -lo * scale;
          luts[c][i] = Math.max(0, Math.min(255, (int) (i * scale + offset)));
        }
      }
    }
    return applyLut(image, luts[0], luts[1], luts[2]);
  }

  /** {@code ImageOps.equalize()}: each channel through its cumulative histogram in integer steps. */
  static RgbImage equalize(RgbImage image) {
    int[][] histograms = histograms(image);
    int[][] luts = new int[3][256];
    for (int c = 0; c < 3; c++) {
      int[] h = histograms[c];
      long total = 0;
      int last = 0;
      int nonZero = 0;
      for (int count : h) {
        if (count != 0) {
          total += count;
          last = count;
          nonZero++;
        }
      }
      long step = nonZero <= 1 ? 0 : (total - last) / 255;
      long n = step / 2;
      for (int i = 0; i < 256; i++) {
        // the lookup table is clipped to 8 bits when PIL reads it (getlist's CLIP8)
        luts[c][i] = step == 0 ? i : (int) Math.min(255, n / step);
        n += h[i];
      }
    }
    return applyLut(image, luts[0], luts[1], luts[2]);
  }

  /** {@code transpose(FLIP_TOP_BOTTOM)}. */
  static RgbImage flipVertical(RgbImage image) {
    int row = image.width() * 3;
    byte[] in = image.pixels();
    byte[] out = new byte[in.length];
    for (int y = 0; y < image.height(); y++) {
      System.arraycopy(in, y * row, out, (image.height() - 1 - y) * row, row);
    }
    return new RgbImage(image.width(), image.height(), out);
  }

  /** {@code transpose(ROTATE_90 / ROTATE_180 / ROTATE_270)}: counter-clockwise quarter turns. */
  static RgbImage rotateQuarterTurns(RgbImage image, int turns) {
    int w = image.width();
    int h = image.height();
    boolean swap = turns % 2 == 1;
    int outW = swap ? h : w;
    int outH = swap ? w : h;
    byte[] in = image.pixels();
    byte[] out = new byte[in.length];
    for (int y = 0; y < outH; y++) {
      for (int x = 0; x < outW; x++) {
        int sx;
        int sy;
        switch (turns) {
          case 1 -> { sx = w - 1 - y; sy = x; }
          case 2 -> { sx = w - 1 - x; sy = h - 1 - y; }
          default -> { sx = y; sy = h - 1 - x; }
        }
        System.arraycopy(in, (sy * w + sx) * 3, out, (y * outW + x) * 3, 3);
      }
    }
    return new RgbImage(outW, outH, out);
  }

  /**
   * {@code Image.rotate(angle, resample, expand, center, fillcolor=fill)}: counter-clockwise
   * degrees about {@code center} (null: (w/2, h/2)), with PIL's transpose fast paths for multiples
   * of 90 (only without a center), its matrix rounded to 15 decimals, and with {@code expand} an
   * output just large enough for the whole rotated image.
   */
  static RgbImage rotate(RgbImage image, double degrees, Resample resample, int[] fill, boolean expand,
      double[] center) {
    double angle = pyMod(degrees, 360.0);
    int w = image.width();
    int h = image.height();
    if (center == null) {
      if (angle == 0) {
        return image;
      }
      if (angle == 180) {
        return rotateQuarterTurns(image, 2);
      }
      if ((angle == 90 || angle == 270) && (expand || w == h)) {
        return rotateQuarterTurns(image, angle == 90 ? 1 : 3);
      }
    }
    double radians = -Math.toRadians(angle);
    double[] m = {round15(Math.cos(radians)), round15(Math.sin(radians)), 0.0, round15(-Math.sin(radians)),
        round15(Math.cos(radians)), 0.0};
    double cx = center == null ? w / 2.0 : center[0];
    double cy = center == null ? h / 2.0 : center[1];
    m[2] = m[0] * -cx + m[1] * -cy + m[2] + cx;
    m[5] = m[3] * -cx + m[4] * -cy + m[5] + cy;
    if (!expand) {
      return transformAffine(image, m, w, h, resample, fill);
    }
    double minX = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    for (int[] corner : new int[][] {{0, 0}, {w, 0}, {w, h}, {0, h}}) {
      double x = m[0] * corner[0] + m[1] * corner[1] + m[2];
      double y = m[3] * corner[0] + m[4] * corner[1] + m[5];
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    int outW = (int) (Math.ceil(maxX) - Math.floor(minX));
    int outH = (int) (Math.ceil(maxY) - Math.floor(minY));
    double tx = -(outW - w) / 2.0;
    double ty = -(outH - h) / 2.0;
    double m2 = m[0] * tx + m[1] * ty + m[2];
    double m5 = m[3] * tx + m[4] * ty + m[5];
    m[2] = m2;
    m[5] = m5;
    return transformAffine(image, m, outW, outH, resample, fill);
  }

  /** {@link #transformAffine(RgbImage, double[], int, int, Resample, int[])} to an output of the input's size. */
  static RgbImage transformAffine(RgbImage image, double[] a, Resample resample, int[] fill) {
    return transformAffine(image, a, image.width(), image.height(), resample, fill);
  }

  /**
   * {@code Image.transform((outW, outH), AFFINE, matrix, resample, fillcolor=fill)}: each output
   * pixel centre (x + 0.5, y + 0.5) maps through {@code matrix} to the input. NEAREST takes
   * Geometry.c's fast paths (scale-only, 16.16 fixed point, float stepping), BILINEAR the generic
   * per-pixel filter; pixels whose source falls outside the image get {@code fill}.
   */
  static RgbImage transformAffine(RgbImage image, double[] a, int outW, int outH, Resample resample, int[] fill) {
    byte[] out = new byte[outW * outH * 3];
    for (int i = 0; i < out.length; i += 3) {
      out[i] = (byte) fill[0];
      out[i + 1] = (byte) fill[1];
      out[i + 2] = (byte) fill[2];
    }
    RgbImage target = new RgbImage(outW, outH, out);
    if (resample == Resample.BILINEAR) {
      bilinearTransform(image, a, target);
    } else if (a[1] == 0 && a[3] == 0) {
      nearestScale(image, a, target);
    } else if (fitsFixedPoint(a, 0, 0) && fitsFixedPoint(a, outW, outH) && fitsFixedPoint(a, 0, outH)
        && fitsFixedPoint(a, outW, 0)) {
      nearestFixedPoint(image, a, target);
    } else {
      nearestFloat(image, a, target);
    }
    return target;
  }

  private static void nearestScale(RgbImage image, double[] a, RgbImage target) {
    int w = image.width();
    int h = image.height();
    int[] columns = new int[target.width()];
    double xo = a[2] + a[0] * 0.5;
    for (int x = 0; x < target.width(); x++) {
      int xin = coord(xo);
      columns[x] = xin >= 0 && xin < w ? xin : -1;
      xo += a[0];
    }
    double yo = a[5] + a[4] * 0.5;
    for (int y = 0; y < target.height(); y++) {
      int yin = coord(yo);
      if (yin >= 0 && yin < h) {
        for (int x = 0; x < target.width(); x++) {
          if (columns[x] >= 0) {
            copyPixel(image, columns[x], yin, target, x, y);
          }
        }
      }
      yo += a[4];
    }
  }

  private static boolean fitsFixedPoint(double[] a, int x, int y) {
    return Math.abs(x * a[0] + y * a[1] + a[2]) < 32768.0 && Math.abs(x * a[3] + y * a[4] + a[5]) < 32768.0;
  }

  private static void nearestFixedPoint(RgbImage image, double[] a, RgbImage target) {
    int w = image.width();
    int h = image.height();
    int a0 = fix(a[0]);
    int a1 = fix(a[1]);
    int a3 = fix(a[3]);
    int a4 = fix(a[4]);
    int a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
    int a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
    for (int y = 0; y < target.height(); y++) {
      int xx = a2;
      int yy = a5;
      for (int x = 0; x < target.width(); x++) {
        int xin = xx >> 16;
        int yin = yy >> 16;
        if (xin >= 0 && xin < w && yin >= 0 && yin < h) {
          copyPixel(image, xin, yin, target, x, y);
        }
        xx += a0;
        yy += a3;
      }
      a2 += a1;
      a5 += a4;
    }
  }

  private static void nearestFloat(RgbImage image, double[] a, RgbImage target) {
    int w = image.width();
    int h = image.height();
    double xo = a[2] + a[1] * 0.5 + a[0] * 0.5;
    double yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
    for (int y = 0; y < target.height(); y++) {
      double xx = xo;
      double yy = yo;
      for (int x = 0; x < target.width(); x++) {
        int xin = coord(xx);
        int yin = coord(yy);
        if (xin >= 0 && xin < w && yin >= 0 && yin < h) {
          copyPixel(image, xin, yin, target, x, y);
        }
        xx += a[0];
        yy += a[3];
      }
      xo += a[1];
      yo += a[4];
    }
  }

  /** Geometry.c's {@code bilinear_filter32RGB}: edge-clamped neighbours, double weights, truncation. */
  private static void bilinearTransform(RgbImage image, double[] a, RgbImage target) {
    int w = image.width();
    int h = image.height();
    byte[] in = image.pixels();
    byte[] out = target.pixels();
    for (int y = 0; y < target.height(); y++) {
      for (int x = 0; x < target.width(); x++) {
        double xin = a[0] * (x + 0.5) + a[1] * (y + 0.5) + a[2];
        double yin = a[3] * (x + 0.5) + a[4] * (y + 0.5) + a[5];
        if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h) {
          continue;
        }
        xin -= 0.5;
        yin -= 0.5;
        int sx = floor(xin);
        int sy = floor(yin);
        double dx = xin - sx;
        double dy = yin - sy;
        int x0 = clamp(sx, w);
        int x1 = clamp(sx + 1, w);
        int row0 = clamp(sy, h) * w;
        boolean hasRow1 = sy + 1 >= 0 && sy + 1 < h;
        for (int c = 0; c < 3; c++) {
          double v1 = lerp(in[(row0 + x0) * 3 + c] & 0xff, in[(row0 + x1) * 3 + c] & 0xff, dx);
          double v2 = hasRow1
              ? lerp(in[((sy + 1) * w + x0) * 3 + c] & 0xff, in[((sy + 1) * w + x1) * 3 + c] & 0xff, dx)
              : v1;
          out[(y * target.width() + x) * 3 + c] = (byte) (int) lerp(v1, v2, dy);
        }
      }
    }
  }

  private static void copyPixel(RgbImage from, int fx, int fy, RgbImage to, int tx, int ty) {
    System.arraycopy(from.pixels(), (fy * from.width() + fx) * 3, to.pixels(), (ty * to.width() + tx) * 3, 3);
  }

  private static RgbImage applyLut(RgbImage image, int[] r, int[] g, int[] b) {
    byte[] in = image.pixels();
    byte[] out = new byte[in.length];
    for (int i = 0; i < in.length; i += 3) {
      out[i] = (byte) r[in[i] & 0xff];
      out[i + 1] = (byte) g[in[i + 1] & 0xff];
      out[i + 2] = (byte) b[in[i + 2] & 0xff];
    }
    return new RgbImage(image.width(), image.height(), out);
  }

  private static int[][] histograms(RgbImage image) {
    int[][] h = new int[3][256];
    byte[] in = image.pixels();
    for (int i = 0; i < in.length; i += 3) {
      h[0][in[i] & 0xff]++;
      h[1][in[i + 1] & 0xff]++;
      h[2][in[i + 2] & 0xff]++;
    }
    return h;
  }

  private static double lerp(double a, double b, double d) {
    return a + (b - a) * d;
  }

  private static int clamp(int v, int size) {
    return v < 0 ? 0 : v < size ? v : size - 1;
  }

  /** Geometry.c's {@code COORD}: -1 for any negative coordinate, else truncation. */
  private static int coord(double v) {
    return v < 0.0 ? -1 : (int) v;
  }

  private static int floor(double v) {
    return v < 0.0 ? (int) Math.floor(v) : (int) v;
  }

  /** Geometry.c's 16.16 fixed point, {@code FLOOR(v * 65536.0 + 0.5)}. */
  private static int fix(double v) {
    return floor(v * 65536.0 + 0.5);
  }

  private static int clip8(int v) {
    return v <= 0 ? 0 : Math.min(v, 255);
  }

  /** C's {@code round} for the non-negative values here: halves up. */
  private static double roundHalfAway(double v) {
    return Math.round(v);
  }

  /** Python's {@code x % m} for a positive modulus: the result has the sign of m. */
  static double pyMod(double x, double m) {
    double r = x % m;
    return r != 0 && r < 0 ? r + m : r;
  }

  /** Python's {@code round(x, 15)}: correctly rounded from the exact binary value, ties to even. */
  private static double round15(double x) {
    return Double.parseDouble(new BigDecimal(x).setScale(15, RoundingMode.HALF_EVEN).toString());
  }
}
