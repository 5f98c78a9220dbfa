package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.HostTensor;

/** torchvision's initialization schemes, producing values in torch's layout. */
public final class Initializers {
  private Initializers() {}

  public static Parameter.Initializer constant(float value) {
    return (shape, random) -> {
      float[] v = new float[(int) HostTensor.elementCount(shape)];
      java.util.Arrays.fill(v, value);
      return HostTensor.ofFloats(shape, v);
    };
  }

  public static Parameter.Initializer zerosLong() {
    return (shape, random) -> HostTensor.ofLongs(shape, new long[(int) HostTensor.elementCount(shape)]);
  }

  public static Parameter.Initializer normal(double std) {
    return (shape, random) -> {
      float[] v = new float[(int) HostTensor.elementCount(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (random.nextGaussian() * std);
      }
      return HostTensor.ofFloats(shape, v);
    };
  }

  public static Parameter.Initializer uniform(double bound) {
    return (shape, random) -> {
      float[] v = new float[(int) HostTensor.elementCount(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
      }
      return HostTensor.ofFloats(shape, v);
    };
  }

  /**
   * {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}, torchvision's conv init for VGG
   * and ResNet: std = sqrt(2 / (out_channels * kh * kw)).
   */
  public static Parameter.Initializer kaimingNormalFanOut() {
    return (shape, random) -> normal(Math.sqrt(2.0 / (shape[0] * shape[2] * shape[3]))).create(shape, random);
  }

  /**
   * {@code nn.Linear}'s default: kaiming_uniform(a=sqrt(5)) on the weight and the bias, both
   * U(-1/sqrt(fan_in), 1/sqrt(fan_in)); {@code fanIn} is the layer's input width.
   */
  public static Parameter.Initializer linearDefault(long fanIn) {
    return uniform(1.0 / Math.sqrt(fanIn));
  }
}
