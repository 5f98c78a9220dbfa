package dev.tfjtransfer.nn;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** {@code nn.ReLU}: max(x, 0). */
public final class ReLU extends Layer {
  public ReLU(String name) {
    super(name);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return context.tf().nn.relu(input);
  }
}
