package dev.tfjtransfer.nn;

import java.util.stream.LongStream;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A fully connected layer, torch's {@code nn.Linear(in, out)}: y = x W^T + b with {@code weight}
 * (out, in) and {@code bias} (out), applied to the last axis. Input (N, ..., in), output
 * (N, ..., out); the inner sizes must be static (ConvNeXt applies it to NHWC activations).
 */
public final class Dense extends Layer {
  /** How the weights start: torch's Linear default, or torchvision VGG's N(0, 0.01) with zero bias. */
  public enum Init {
    LINEAR_DEFAULT,
    NORMAL_0_01
  }

  private final long inFeatures;
  private final long outFeatures;
  private final Init init;
  private Parameter weight;
  private Parameter bias;

  public Dense(String name, long inFeatures, long outFeatures) {
    this(name, inFeatures, outFeatures, Init.LINEAR_DEFAULT);
  }

  public Dense(String name, long inFeatures, long outFeatures, Init init) {
    super(name);
    this.inFeatures = requirePositive("inFeatures", inFeatures);
    this.outFeatures = requirePositive("outFeatures", outFeatures);
    this.init = init;
  }

  public long inFeatures() {
    return inFeatures;
  }

  public long outFeatures() {
    return outFeatures;
  }

  @Override
  protected void build(LayerContext context, Shape inputShape) {
    int rank = inputShape.numDimensions();
    if (rank < 2 || inputShape.get(rank - 1) != inFeatures
        || LongStream.of(inputShape.asArray()).skip(1).anyMatch(size -> size < 0)) {
      throw new IllegalArgumentException(context.path() + ": expected input (N, ..., " + inFeatures + ") with static"
          + " inner sizes, got " + inputShape);
    }
    boolean torchDefault = init == Init.LINEAR_DEFAULT;
    weight = addWeight(context, "weight", new long[] {outFeatures, inFeatures}, Layout.LINEAR_OUT_IN_AS_IN_OUT,
        torchDefault ? Initializers.linearDefault(inFeatures) : Initializers.normal(0.01));
    bias = addWeight(context, "bias", new long[] {outFeatures}, Layout.SAME,
        torchDefault ? Initializers.linearDefault(inFeatures) : Initializers.constant(0f));
  }

  @Override
  @SuppressWarnings("unchecked")
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Ops tf = context.tf();
    long[] shape = input.shape().asArray();
    Operand<TFloat32> rows = shape.length == 2 ? input : tf.reshape(input, tf.constant(new long[] {-1, inFeatures}));
    Operand<TFloat32> y = tf.linalg.matMul(rows, (Operand<TFloat32>) weight.variable());
    y = tf.nn.biasAdd(y, (Operand<TFloat32>) bias.variable());
    if (shape.length == 2) {
      return y;
    }
    shape[0] = -1;
    shape[shape.length - 1] = outFeatures;
    return tf.reshape(y, tf.constant(shape));
  }

  @Override
  public String describe() {
    return "Linear(" + inFeatures + ", " + outFeatures + ")";
  }
}
