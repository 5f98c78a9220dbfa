package dev.tfjtransfer.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * 2-D convolution with PyTorch's {@code nn.Conv2d} semantics: symmetric zero padding, a stride,
 * channel groups and an optional bias. Weights {@code weight} (out, in / groups, k, k) and
 * {@code bias} (out).
 *
 * <p>Input: (N, H, W, in). Output: (N, floor((H + 2p - k) / s) + 1, ..., out).
 *
 * <p>TF's {@code SAME} padding equals torch's symmetric padding only for stride 1 (for stride 2 TF
 * pads more at the end), and Conv2D's {@code EXPLICIT} padding has a broken gradient in TF 2.18;
 * so stride-1 "same" convolutions use {@code SAME}, and the rest pad explicitly and use {@code VALID}.
 *
 * <p>Groups (checked on TF 2.18 CPU): Conv2D accepts input channels = groups x filter depth. With
 * oneDNN (the default) forward and both gradients equal a split-into-groups convolution to float
 * rounding and run about 2x faster than it; with {@code TF_ENABLE_ONEDNN_OPTS=0} the forward works
 * but Conv2DBackpropFilter fails ("filter_size does not have enough elements"), so without oneDNN
 * grouped convolutions are split per group and concatenated. Depthwise convolutions (groups = in,
 * out a multiple of in) use DepthwiseConv2dNative, which works everywhere and is the faster form:
 * torch's output channel i * multiplier + m is TF's, so the HWIO kernel (k, k, 1, out) only needs
 * a reshape to (k, k, in, multiplier).
 */
public final class Conv2D extends Layer {
  private static final boolean ONEDNN = oneDnnEnabled();

  private final long inChannels;
  private final long outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int groups;
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
    this.groups = (int) requirePositive("groups", b.groups);
    if (inChannels % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException("in and out channels must be multiples of groups; received: in="
          + inChannels + ", out=" + outChannels + ", groups=" + groups);
    }
    this.useBias = b.useBias;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  long outChannels() {
    return outChannels;
  }

  @Override
  protected void build(LayerContext context, Shape inputShape) {
    long channels = inputShape.get(3);
    if (channels != inChannels) {
      throw new IllegalArgumentException(context.path() + ": expected " + inChannels + " input channels, got shape "
          + inputShape);
    }
    weight = addWeight(context, "weight", new long[] {outChannels, inChannels / groups, kernel, kernel},
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
    List<Long> strides = Arrays.asList(1L, (long) stride, (long) stride, 1L);
    Operand<TFloat32> y;
    if (groups > 1 && groups == inChannels) {
      Operand<TFloat32> depthwise = tf.reshape(w, tf.constant(new long[] {kernel, kernel, inChannels, -1}));
      y = tf.nn.depthwiseConv2dNative(x, depthwise, strides, mode);
    } else if (groups > 1 && !ONEDNN) {
      y = splitGroups(tf, x, w, groups, strides, mode);
    } else if (groups == 1 && context.receivesGradient(w)
        && PatchFilterGradient.pays(w.shape().asArray(), outputSize(input.shape().get(1)),
            outputSize(input.shape().get(2)))) {
      y = PatchFilterGradient.conv2d(tf, x, w, strides, mode);
    } else {
      y = tf.nn.conv2d(x, w, strides, mode);
    }
    if (useBias) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> b = (Operand<TFloat32>) bias.variable();
      y = tf.nn.biasAdd(y, b);
    }
    return y;
  }

  /** torch's output size along one axis: floor((size + 2p - k) / s) + 1 (unknown sizes stay unknown, -1). */
  private long outputSize(long size) {
    return size < 0 ? -1 : (size + 2L * padding - kernel) / stride + 1;
  }

  /** Convolves each group of input channels with its group of filters and concatenates the outputs. */
  static Operand<TFloat32> splitGroups(Ops tf, Operand<TFloat32> x, Operand<TFloat32> w, int groups,
      List<Long> strides, String mode) {
    Operand<TInt32> channelAxis = tf.constant(3);
    List<Output<TFloat32>> inputs = tf.split(channelAxis, x, (long) groups).output();
    List<Output<TFloat32>> filters = tf.split(channelAxis, w, (long) groups).output();
    List<Operand<TFloat32>> outputs = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      outputs.add(tf.nn.conv2d(inputs.get(g), filters.get(g), strides, mode));
    }
    return tf.concat(outputs, channelAxis);
  }

  /** TensorFlow's own switch (util.cc IsMKLEnabled): oneDNN is on unless the variable says false or 0. */
  private static boolean oneDnnEnabled() {
    String value = System.getenv("TF_ENABLE_ONEDNN_OPTS");
    return value == null || !(value.equals("0") || value.equalsIgnoreCase("false"));
  }

  @Override
  public String describe() {
    return "Conv2d(" + inChannels + ", " + outChannels + ", k=" + kernel + ", s=" + stride + ", p=" + padding
        + (groups > 1 ? ", groups=" + groups : "") + (useBias ? "" : ", bias=False") + ")";
  }

  /** Builder: {@code in}, {@code out} and {@code kernel} are required; stride 1, padding 0, groups 1, bias on by default. */
  public static final class Builder {
    private final String name;
    private long inChannels;
    private long outChannels;
    private int kernel;
    private int stride = 1;
    private int padding;
    private int groups = 1;
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

    /** torch's {@code groups}: in and out channels split into this many independent convolutions. */
    public Builder optGroups(int groups) {
      this.groups = groups;
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
