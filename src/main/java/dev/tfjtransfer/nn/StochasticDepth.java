package dev.tfjtransfer.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code torchvision.ops.StochasticDepth(p, "row")}: Huang et al., "Deep Networks with Stochastic
 * Depth", 2016. In a {@link Mode#TRAINING} call each sample of the batch (the residual branch's
 * output) is zeroed with probability p and the others are scaled by 1 / (1 - p); the identity in
 * inference. The masks come from the call's per-step stateless seed, like {@link Dropout}'s, so a
 * resumed run draws the same ones.
 */
public final class StochasticDepth extends Layer {
  private final float rate;

  public StochasticDepth(String name, float rate) {
    super(name);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("rate must be in [0, 1); received: rate=" + rate);
    }
    this.rate = rate;
  }

  public float rate() {
    return rate;
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    if (context.mode() != Mode.TRAINING || rate == 0) {
      return input;
    }
    Ops tf = context.tf();
    // one draw per sample: shape (N, 1, 1, 1)
    Operand<TInt32> batch = tf.slice(tf.shape(input), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> rowShape = tf.concat(List.of(batch, tf.constant(new int[] {1, 1, 1})), tf.constant(0));
    return tf.math.mul(input, Dropout.scaledKeepMask(context, rowShape, 1 - rate));
  }

  @Override
  public String describe() {
    return "StochasticDepth(p=" + rate + ", mode=row)";
  }
}
