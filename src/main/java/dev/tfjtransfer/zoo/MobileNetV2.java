package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Activation;
import dev.tfjtransfer.nn.BatchNorm2d;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Conv2dNormActivation;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * MobileNetV2 as torchvision builds it: Sandler et al., "MobileNetV2: Inverted Residuals and
 * Linear Bottlenecks", 2018. Children {@code features} (stem, 17 inverted residuals, 1x1 conv to
 * 1280) and {@code classifier} (Dropout "0", Linear "1"); the global average pool is functional in
 * torchvision, so it has no module name there (here {@code avgpool}, without parameters).
 */
public final class MobileNetV2 extends Layer {
  /** torchvision's inverted_residual_setting: expansion t, channels c, blocks n, first stride s. */
  private static final int[][] INVERTED_RESIDUAL_SETTING = {
      {1, 16, 1, 1},
      {6, 24, 2, 2},
      {6, 32, 3, 2},
      {6, 64, 4, 2},
      {6, 96, 3, 1},
      {6, 160, 3, 2},
      {6, 320, 1, 1},
  };
  private static final int INPUT_CHANNELS = 32;
  private static final int LAST_CHANNEL = 1280;

  private final Sequential features;
  private final PooledClassifier head;

  public MobileNetV2(HeadSpec headSpec) {
    this(headSpec, 0.2f);
  }

  /** @param dropout the classifier's dropout probability, torchvision's {@code mobilenet_v2(dropout=...)} */
  public MobileNetV2(HeadSpec headSpec, float dropout) {
    super("");
    List<Layer> layers = new ArrayList<>();
    layers.add(Conv2dNormActivation.builder("0").setChannels(3, INPUT_CHANNELS).setKernel(3).optStride(2)
        .optActivation(Activation.Kind.RELU6).build());
    int channels = INPUT_CHANNELS;
    for (int[] row : INVERTED_RESIDUAL_SETTING) {
      for (int i = 0; i < row[2]; i++) {
        layers.add(new InvertedResidual(String.valueOf(layers.size()), channels, row[1], i == 0 ? row[3] : 1, row[0]));
        channels = row[1];
      }
    }
    layers.add(Conv2dNormActivation.builder(String.valueOf(layers.size())).setChannels(channels, LAST_CHANNEL)
        .setKernel(1).optActivation(Activation.Kind.RELU6).build());
    features = new Sequential("features", layers);
    head = PooledClassifier.dropoutLinear(LAST_CHANNEL, headSpec, dropout);
  }

  @Override
  public List<Layer> children() {
    return List.of(features, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, features.apply(context, input));
  }

  /**
   * The inverted residual: 1x1 expansion (unless t = 1), depthwise 3x3, linear 1x1 projection and
   * BatchNorm, as {@code conv}; the input is added when the shape is kept.
   */
  private static final class InvertedResidual extends Layer {
    private final Sequential conv;
    private final boolean residual;

    InvertedResidual(String name, int in, int out, int stride, int expandRatio) {
      super(name);
      int hidden = in * expandRatio;
      List<Layer> layers = new ArrayList<>();
      if (expandRatio != 1) {
        layers.add(Conv2dNormActivation.builder("0").setChannels(in, hidden).setKernel(1)
            .optActivation(Activation.Kind.RELU6).build());
      }
      layers.add(Conv2dNormActivation.builder(String.valueOf(layers.size())).setChannels(hidden, hidden).setKernel(3)
          .optStride(stride).optGroups(hidden).optActivation(Activation.Kind.RELU6).build());
      layers.add(Conv2D.builder(String.valueOf(layers.size())).setChannels(hidden, out).setKernel(1).optBias(false)
          .build());
      layers.add(new BatchNorm2d(String.valueOf(layers.size()), out));
      conv = new Sequential("conv", layers);
      residual = stride == 1 && in == out;
    }

    @Override
    public List<Layer> children() {
      return List.of(conv);
    }

    @Override
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      Operand<TFloat32> y = conv.apply(context, input);
      return residual ? context.tf().math.add(input, y) : y;
    }
  }
}
