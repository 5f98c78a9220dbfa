package dev.tfjtransfer.nn;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * 2-D convolution with PyTorch's {@code nn.Conv2d} semantics: symmetric zero padding, a stride
 * and an optional bias. Weights {@code weight} (out, in, k, k) and {@code bias} (out).
 *
 * <p>Input: (N, H, W, in). Output: (N, floor((H + 2p - k) / s) + 1, ..., out).
 *
 * <p>TF's {@code SAME} padding equals torch's symmetric padding only for stride 1 (for stride 2 TF
 * pads more at the end), and Conv2D's {@code EXPLICIT} padding has a broken gradient in TF 2.18;
 * so stride-1 "same" convolutions use {@code SAME}, and the rest pad explicitly and use {@code VALID}.
 */
public final class Conv2D extends Layer {
  private final long inChannels;
  private final long outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final boolean useBias;
  private Parameter weight;
  private Parameter bias;

  private Conv2D(Builder b) {
    super(b.name);
    this.inChannels = requirePositive("inChannels", b.inChannels);
    this.outChannels = requirePositive("outChannels", b.outChannels);
    this.kernel = (int) requirePositive("kernel", b.kernel);
    this.stride = (int) requirePositive("stride", b.stride);
    if (b.padding < 0) {
      throw new IllegalArgumentException("padding must be >= 0; received: padding=" + b.padding);
    }
    this.padding = b.padding;
    this.useBias = b.useBias;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  protected void build(LayerContext context, Shape inputShape) {
    long channels = inputShape.get(3);
    if (channels != inChannels) {
      throw new IllegalArgumentException(context.path() + ": expected " + inChannels + " input channels, got shape "
          + inputShape);
    }
    weight = addWeight(context, "weight", new long[] {outChannels, inChannels, kernel, kernel},
        Layout.CONV_OIHW_AS_HWIO, Initializers.kaimingNormalFanOut());
    if (useBias) {
      bias = addWeight(context, "bias", new long[] {outChannels}, Layout.SAME, Initializers.constant(0f));
    }
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Ops tf = context.tf();
    boolean torchEqualsSame = stride == 1 && kernel % 2 == 1 && padding == (kernel - 1) / 2;
    Operand<TFloat32> x = input;
    String mode = "VALID";
    if (torchEqualsSame && padding > 0) {
      mode = "SAME";
    } else if (padding > 0) {
      x = Padding.spatial(tf, x, padding, 0f);
    }
    @SuppressWarnings("unchecked")
    Operand<TFloat32> w = (Operand<TFloat32>) weight.variable();
    Operand<TFloat32> y = tf.nn.conv2d(x, w, Arrays.asList(1L, (long) stride, (long) stride, 1L), mode);
    if (useBias) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> b = (Operand<TFloat32>) bias.variable();
      y = tf.nn.biasAdd(y, b);
    }
    return y;
  }

  @Override
  public String describe() {
    return "Conv2d(" + inChannels + ", " + outChannels + ", k=" + kernel + ", s=" + stride + ", p=" + padding
        + (useBias ? "" : ", bias=False") + ")";
  }

  /** Builder: {@code in}, {@code out} and {@code kernel} are required; stride 1, padding 0, bias on by default. */
  public static final class Builder {
    private final String name;
    private long inChannels;
    private long outChannels;
    private int kernel;
    private int stride = 1;
    private int padding;
    private boolean useBias = true;

    private Builder(String name) {
      this.name = name;
    }

    public Builder setChannels(long in, long out) {
      this.inChannels = in;
      this.outChannels = out;
      return this;
    }

    public Builder setKernel(int kernel) {
      this.kernel = kernel;
      return this;
    }

    public Builder optStride(int stride) {
      this.stride = stride;
      return this;
    }

    public Builder optPadding(int padding) {
      this.padding = padding;
      return this;
    }

    public Builder optBias(boolean useBias) {
      this.useBias = useBias;
      return this;
    }

    public Conv2D build() {
      return new Conv2D(this);
    }
  }
}
