package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code nn.LayerNorm(features, eps)} over the last axis: (x - mean) / sqrt(biased variance + eps)
 * * weight + bias, weights {@code weight} and {@code bias} (features). The graph is NHWC, so this
 * is also ConvNeXt's {@code LayerNorm2d}, which torch applies to NCHW tensors by permuting the
 * channels last; both normalize each position over its channels.
 *
 * <p>Input: (..., features). Output: the same shape.
 */
public final class LayerNorm extends Layer {
  private final long features;
  private final float eps;
  private Parameter weight;
  private Parameter bias;

  public LayerNorm(String name, long features, float eps) {
    super(name);
    this.features = requirePositive("features", features);
    if (!(eps > 0)) {
      throw new IllegalArgumentException("eps must be > 0; received: eps=" + eps);
    }
    this.eps = eps;
  }

  @Override
  protected void build(LayerContext context, Shape inputShape) {
    if (inputShape.get(inputShape.numDimensions() - 1) != features) {
      throw new IllegalArgumentException(context.path() + ": expected " + features + " features on the last axis, got"
          + " shape " + inputShape);
    }
    weight = addWeight(context, "weight", new long[] {features}, Layout.SAME, Initializers.constant(1f));
    bias = addWeight(context, "bias", new long[] {features}, Layout.SAME, Initializers.constant(0f));
  }

  @Override
  @SuppressWarnings("unchecked")
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Ops tf = context.tf();
    Operand<TInt32> lastAxis = tf.constant(new int[] {-1});
    Operand<TFloat32> centered = tf.math.sub(input, tf.math.mean(input, lastAxis, Mean.keepDims(true)));
    Operand<TFloat32> variance = tf.math.mean(tf.math.square(centered), lastAxis, Mean.keepDims(true));
    Operand<TFloat32> normalized = tf.math.mul(centered, tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))));
    return tf.math.add(tf.math.mul(normalized, (Operand<TFloat32>) weight.variable()),
        (Operand<TFloat32>) bias.variable());
  }

  @Override
  public String describe() {
    return "LayerNorm(" + features + ", eps=" + eps + ")";
  }
}
