package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Symmetric spatial padding of NHWC tensors, PyTorch style. */
final class Padding {
  private Padding() {}

  /**
   * Pads H and W by {@code amount} on both sides with {@code value}. Paddings are int32: with
   * int64 paddings TF 2.18's Pad gradient fails.
   */
  static Operand<TFloat32> spatial(Ops tf, Operand<TFloat32> x, int amount, float value) {
    int[][] paddings = {{0, 0}, {amount, amount}, {amount, amount}, {0, 0}};
    if (value != 0f) {
      return tf.pad(x, tf.constant(paddings), tf.constant(value));
    }
    // zero padding as the v1 Pad op (TF Java only wraps PadV2): oneDNN's graph rewrite fuses
    // Pad + Conv2D into one convolution, which it does not do for PadV2
    return tf.scope().opBuilder("Pad", "Pad").addInput(x.asOutput()).addInput(tf.constant(paddings).asOutput())
        .build().<TFloat32>output(0);
  }
}
