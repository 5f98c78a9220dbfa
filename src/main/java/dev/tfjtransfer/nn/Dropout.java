package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code nn.Dropout(p)}: in a {@link Mode#TRAINING} call zeroes each value with probability p and
 * scales the rest by 1 / (1 - p); the identity in inference.
 */
public final class Dropout extends Layer {
  private final float rate;

  public Dropout(String name, float rate) {
    super(name);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("rate must be in [0, 1); received: rate=" + rate);
    }
    this.rate = rate;
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    if (context.mode() != Mode.TRAINING || rate == 0) {
      return input;
    }
    Ops tf = context.tf();
    return tf.math.mul(input, scaledKeepMask(context, tf.shape(input), 1 - rate));
  }

  /**
   * 1 / keep with probability keep and 0 otherwise, of {@code shape}, drawn from the call's
   * per-step stateless seed.
   */
  static Operand<TFloat32> scaledKeepMask(LayerContext context, Operand<TInt32> shape, float keep) {
    Ops tf = context.tf();
    Operand<TFloat32> uniform = tf.random.statelessRandomUniform(shape, context.statelessSeed());
    // floor(keep + U[0,1)) is 1 with probability keep
    Operand<TFloat32> mask = tf.math.floor(tf.math.add(uniform, tf.constant(keep)));
    return tf.math.mul(mask, tf.constant(1f / keep));
  }

  @Override
  public String describe() {
    return "Dropout(p=" + rate + ")";
  }
}
