package dev.tfjtransfer.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@code nn.AdaptiveAvgPool2d((outH, outW))} with PyTorch's bins: output cell i averages input
 * rows [floor(i * in / out), ceil((i + 1) * in / out)), so bins overlap when {@code in} is not a
 * multiple of {@code out} and repeat when {@code in < out}. Needs static H and W per call.
 *
 * <p>Equal sizes are the identity and multiples are a plain average pool; other sizes apply the
 * two (separable) bin-averaging matrices with MatMul, whose gradient TF registers.
 */
public final class AdaptiveAvgPool2d extends Layer {
  private final int outHeight;
  private final int outWidth;

  public AdaptiveAvgPool2d(String name, int outHeight, int outWidth) {
    super(name);
    this.outHeight = (int) requirePositive("outHeight", outHeight);
    this.outWidth = (int) requirePositive("outWidth", outWidth);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Shape shape = input.shape();
    long inHeight = shape.get(1);
    long inWidth = shape.get(2);
    if (inHeight < 0 || inWidth < 0) {
      throw new IllegalArgumentException(context.path() + ": adaptive pooling needs static height and width, got "
          + shape);
    }
    Ops tf = context.tf();
    if (inHeight == outHeight && inWidth == outWidth) {
      return input;
    }
    if (inHeight % outHeight == 0 && inWidth % outWidth == 0) {
      long kh = inHeight / outHeight;
      long kw = inWidth / outWidth;
      return tf.nn.avgPool(input, List.of(1L, kh, kw, 1L), List.of(1L, kh, kw, 1L), "VALID");
    }
    long channels = shape.get(3);
    // pool rows: (N, H, W, C) -> (H, N*W*C), left-multiply by (outH, H)
    Operand<TFloat32> x = tf.linalg.transpose(input, tf.constant(new int[] {1, 0, 2, 3}));
    x = tf.reshape(x, tf.constant(new long[] {inHeight, -1}));
    x = tf.linalg.matMul(tf.constant(binMatrix(outHeight, (int) inHeight)), x);
    x = tf.reshape(x, tf.constant(new long[] {outHeight, -1, inWidth, channels}));
    // pool columns: (outH, N, W, C) -> (W, N*outH*C), left-multiply by (outW, W)
    x = tf.linalg.transpose(x, tf.constant(new int[] {2, 1, 0, 3}));
    x = tf.reshape(x, tf.constant(new long[] {inWidth, -1}));
    x = tf.linalg.matMul(tf.constant(binMatrix(outWidth, (int) inWidth)), x);
    x = tf.reshape(x, tf.constant(new long[] {outWidth, -1, outHeight, channels}));
    return tf.linalg.transpose(x, tf.constant(new int[] {1, 2, 0, 3}));
  }

  /** Row i averages inputs [floor(i*in/out), ceil((i+1)*in/out)), torch's adaptive bins. */
  static float[][] binMatrix(int out, int in) {
    float[][] m = new float[out][in];
    for (int i = 0; i < out; i++) {
      int start = Math.floorDiv(i * in, out);
      int end = -Math.floorDiv(-(i + 1) * in, out);
      for (int j = start; j < end; j++) {
        m[i][j] = 1f / (end - start);
      }
    }
    return m;
  }

  @Override
  public String describe() {
    return "AdaptiveAvgPool2d(" + outHeight + ", " + outWidth + ")";
  }
}
