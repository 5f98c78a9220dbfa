package dev.tfjtransfer.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code torchvision.ops.misc.Conv2dNormActivation}: a Sequential of convolution "0" (padding
 * (k - 1) / 2, no bias), BatchNorm "1" and, unless none, activation "2". Families pass their
 * BatchNorm eps and momentum (MobileNetV3: 0.001 and 0.01; EfficientNet: eps 0.001).
 */
public final class Conv2dNormActivation {
  private Conv2dNormActivation() {}

  /** Builder: channels and kernel are required; stride 1, groups 1, torch's BatchNorm defaults, ReLU. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Holds the convolution's settings in a {@link Conv2D.Builder}, plus the BatchNorm's and the activation. */
  public static final class Builder {
    private final String name;
    private final Conv2D.Builder conv = Conv2D.builder("0").optBias(false);
    private float eps = BatchNorm2d.DEFAULT_EPS;
    private float momentum = BatchNorm2d.DEFAULT_MOMENTUM;
    private Activation.Kind activation = Activation.Kind.RELU;

    private Builder(String name) {
      this.name = name;
    }

    public Builder setChannels(long in, long out) {
      conv.setChannels(in, out);
      return this;
    }

    /** The kernel size, with torchvision's padding (k - 1) / 2. */
    public Builder setKernel(int kernel) {
      conv.setKernel(kernel).optPadding((kernel - 1) / 2);
      return this;
    }

    public Builder optStride(int stride) {
      conv.optStride(stride);
      return this;
    }

    public Builder optGroups(int groups) {
      conv.optGroups(groups);
      return this;
    }

    /** BatchNorm2d(eps=..., momentum=...), as the family's {@code norm_layer} partial sets them. */
    public Builder optNorm(float eps, float momentum) {
      this.eps = eps;
      this.momentum = momentum;
      return this;
    }

    /** The activation "2", or null for none ({@code activation_layer=None}). */
    public Builder optActivation(Activation.Kind activation) {
      this.activation = activation;
      return this;
    }

    public Sequential build() {
      Conv2D convolution = conv.build();
      List<Layer> layers = new ArrayList<>(List.of(convolution,
          new BatchNorm2d("1", convolution.outChannels(), eps, momentum)));
      if (activation != null) {
        layers.add(new Activation("2", activation));
      }
      return new Sequential(name, layers);
    }
  }
}
