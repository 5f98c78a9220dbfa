package dev.tfjtransfer.weights;

/** Layout changes of float host tensors, for weight conversion. */
public final class HostTensors {
  private HostTensors() {}

  /** {@code numpy.transpose(t, perm)}: output axis i is input axis perm[i]. */
  public static HostTensor permute(HostTensor t, int... perm) {
    long[] in = t.shape();
    int rank = in.length;
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      out[i] = in[perm[i]];
    }
    long[] inStrides = strides(in);
    float[] src = t.floats();
    float[] dst = new float[src.length];
    int[] index = new int[rank];
    for (int o = 0; o < dst.length; o++) {
      long from = 0;
      for (int i = 0; i < rank; i++) {
        from += index[i] * inStrides[perm[i]];
      }
      dst[o] = src[(int) from];
      for (int i = rank - 1; i >= 0; i--) {
        if (++index[i] < out[i]) {
          break;
        }
        index[i] = 0;
      }
    }
    return HostTensor.ofFloats(out, dst);
  }

  /** Reverses the order along {@code axis} (e.g. BGR to RGB input channels). */
  public static HostTensor reverse(HostTensor t, int axis) {
    long[] shape = t.shape();
    long[] strides = strides(shape);
    float[] src = t.floats();
    float[] dst = new float[src.length];
    long n = shape[axis];
    long stride = strides[axis];
    for (int i = 0; i < src.length; i++) {
      long k = (i / stride) % n;
      dst[(int) (i + (n - 1 - 2 * k) * stride)] = src[i];
    }
    return HostTensor.ofFloats(shape, dst);
  }

  public static HostTensor reshape(HostTensor t, long... shape) {
    return HostTensor.ofFloats(shape, t.floats());
  }

  private static long[] strides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }
}
