package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A fully connected layer, torch's {@code nn.Linear(in, out)}: y = x W^T + b with {@code weight}
 * (out, in) and {@code bias} (out). Input (N, in), output (N, out).
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
    if (inputShape.numDimensions() != 2 || inputShape.get(1) != inFeatures) {
      throw new IllegalArgumentException(context.path() + ": expected input (N, " + inFeatures + "), got " + inputShape);
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
    Operand<TFloat32> y = tf.linalg.matMul(input, (Operand<TFloat32>) weight.variable());
    return tf.nn.biasAdd(y, (Operand<TFloat32>) bias.variable());
  }

  @Override
  public String describe() {
    return "Linear(" + inFeatures + ", " + outFeatures + ")";
  }
}
