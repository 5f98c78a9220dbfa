package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@code nn.MaxPool2d(kernel, stride, padding)} with PyTorch's semantics: the padding is -inf
 * (never chosen as a maximum, unlike TF's {@code SAME}), and the output size rounds down.
 */
public final class MaxPool2d extends Layer {
  private final int kernel;
  private final int stride;
  private final int padding;

  public MaxPool2d(String name, int kernel, int stride, int padding) {
    super(name);
    this.kernel = (int) requirePositive("kernel", kernel);
    this.stride = (int) requirePositive("stride", stride);
    if (padding < 0 || padding > kernel / 2) {
      throw new IllegalArgumentException("padding must be in [0, kernel/2] as in torch; received: padding=" + padding);
    }
    this.padding = padding;
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Ops tf = context.tf();
    Operand<TFloat32> x = padding > 0 ? Padding.spatial(tf, input, padding, Float.NEGATIVE_INFINITY) : input;
    // the v1 MaxPool op with attributes (TF Java only wraps MaxPoolV2): oneDNN has a kernel for it
    return tf.scope().opBuilder("MaxPool", "MaxPool").addInput(x.asOutput())
        .setAttr("ksize", new long[] {1, kernel, kernel, 1}).setAttr("strides", new long[] {1, stride, stride, 1})
        .setAttr("padding", "VALID").build().<TFloat32>output(0);
  }

  @Override
  public String describe() {
    return "MaxPool2d(k=" + kernel + ", s=" + stride + ", p=" + padding + ")";
  }
}
