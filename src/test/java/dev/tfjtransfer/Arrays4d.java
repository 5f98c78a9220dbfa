package dev.tfjtransfer;

import dev.tfjtransfer.weights.HostTensor;

/** Layout helpers and comparisons for tests. */
public final class Arrays4d {
  private Arrays4d() {}

  /** torch's NCHW batch as the NHWC array the graph takes. */
  public static float[] nchwToNhwc(HostTensor t) {
    long[] s = t.shape();
    int n = (int) s[0], c = (int) s[1], h = (int) s[2], w = (int) s[3];
    float[] in = t.floats();
    float[] out = new float[in.length];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            out[((b * h + y) * w + x) * c + ch] = in[((b * c + ch) * h + y) * w + x];
          }
        }
      }
    }
    return out;
  }

  public static double maxAbs(float[] values) {
    double m = 0;
    for (float v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  public static int argmax(float[] values, int row, int width) {
    int best = 0;
    for (int i = 1; i < width; i++) {
      if (values[row * width + i] > values[row * width + best]) {
        best = i;
      }
    }
    return best;
  }
}
