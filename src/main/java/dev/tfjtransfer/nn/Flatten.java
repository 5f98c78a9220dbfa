package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@code torch.flatten(x, 1)} on what torch holds as NCHW: the NHWC activations are transposed to
 * channel-major order first, so a Dense layer after it takes torchvision's Linear weights
 * unchanged (VGG's {@code classifier.0} sees the same feature order as in PyTorch).
 */
public final class Flatten extends Layer {
  public Flatten(String name) {
    super(name);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Shape shape = input.shape();
    long features = shape.get(1) * shape.get(2) * shape.get(3);
    if (features <= 0) {
      throw new IllegalArgumentException(context.path() + ": flatten needs static H, W and C, got " + shape);
    }
    Ops tf = context.tf();
    Operand<TFloat32> channelsFirst = tf.linalg.transpose(input, tf.constant(new int[] {0, 3, 1, 2}));
    return tf.reshape(channelsFirst, tf.constant(new long[] {-1, features}));
  }
}
