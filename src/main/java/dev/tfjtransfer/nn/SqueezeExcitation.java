package dev.tfjtransfer.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * {@code torchvision.ops.SqueezeExcitation}: Hu et al., "Squeeze-and-Excitation Networks", 2017.
 * x * scale_activation(fc2(activation(fc1(avgpool(x))))), with fc1 and fc2 1x1 convolutions with
 * bias. Children {@code avgpool, fc1, fc2, activation, scale_activation} (torchvision's order).
 */
public final class SqueezeExcitation extends Layer {
  private final AdaptiveAvgPool2d avgpool = new AdaptiveAvgPool2d("avgpool", 1, 1);
  private final Conv2D fc1;
  private final Conv2D fc2;
  private final Activation activation;
  private final Activation scaleActivation;

  /**
   * @param activation torchvision's default is ReLU (MobileNetV3); EfficientNet passes SiLU
   * @param scaleActivation Sigmoid by default; MobileNetV3 passes Hardsigmoid
   */
  public SqueezeExcitation(String name, long inputChannels, long squeezeChannels, Activation.Kind activation,
      Activation.Kind scaleActivation) {
    super(name);
    fc1 = Conv2D.builder("fc1").setChannels(inputChannels, squeezeChannels).setKernel(1).build();
    fc2 = Conv2D.builder("fc2").setChannels(squeezeChannels, inputChannels).setKernel(1).build();
    this.activation = new Activation("activation", activation);
    this.scaleActivation = new Activation("scale_activation", scaleActivation);
  }

  @Override
  public List<Layer> children() {
    return List.of(avgpool, fc1, fc2, activation, scaleActivation);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Operand<TFloat32> scale = avgpool.apply(context, input);
    scale = activation.apply(context, fc1.apply(context, scale));
    scale = scaleActivation.apply(context, fc2.apply(context, scale));
    return context.tf().math.mul(scale, input);
  }
}
