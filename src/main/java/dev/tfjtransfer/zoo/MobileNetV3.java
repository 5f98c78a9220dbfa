package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Activation;
import dev.tfjtransfer.nn.Conv2dNormActivation;
import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Dropout;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.Sequential;
import dev.tfjtransfer.nn.SqueezeExcitation;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * MobileNetV3 as torchvision builds it: Howard et al., "Searching for MobileNetV3", 2019.
 * Children {@code features} (stem, inverted residuals of {@link Variant}'s table, 1x1 conv to 6x
 * the last block's width), {@code avgpool} and {@code classifier} (Linear "0", Hardswish "1",
 * Dropout "2", Linear "3"). BatchNorm uses eps 0.001 and momentum 0.01, as torchvision sets it.
 */
public final class MobileNetV3 extends Layer {
  private static final float BN_EPS = 0.001f;
  private static final float BN_MOMENTUM = 0.01f;

  /**
   * torchvision's InvertedResidualConfig (Tables 1 and 2 of the paper, width 1.0): input channels,
   * kernel, expanded channels, output channels, squeeze-excitation, Hardswish (else ReLU), stride.
   */
  record InvertedResidualConfig(int in, int kernel, int expanded, int out, boolean se, boolean hardswish, int stride) {}

  private static InvertedResidualConfig re(int in, int kernel, int expanded, int out, boolean se, int stride) {
    return new InvertedResidualConfig(in, kernel, expanded, out, se, false, stride);
  }

  private static InvertedResidualConfig hs(int in, int kernel, int expanded, int out, boolean se, int stride) {
    return new InvertedResidualConfig(in, kernel, expanded, out, se, true, stride);
  }

  /** The two architectures of the paper, by torchvision's builder name. */
  public enum Variant {
    LARGE(1280, List.of(
        re(16, 3, 16, 16, false, 1),
        re(16, 3, 64, 24, false, 2),
        re(24, 3, 72, 24, false, 1),
        re(24, 5, 72, 40, true, 2),
        re(40, 5, 120, 40, true, 1),
        re(40, 5, 120, 40, true, 1),
        hs(40, 3, 240, 80, false, 2),
        hs(80, 3, 200, 80, false, 1),
        hs(80, 3, 184, 80, false, 1),
        hs(80, 3, 184, 80, false, 1),
        hs(80, 3, 480, 112, true, 1),
        hs(112, 3, 672, 112, true, 1),
        hs(112, 5, 672, 160, true, 2),
        hs(160, 5, 960, 160, true, 1),
        hs(160, 5, 960, 160, true, 1))),
    SMALL(1024, List.of(
        re(16, 3, 16, 16, true, 2),
        re(16, 3, 72, 24, false, 2),
        re(24, 3, 88, 24, false, 1),
        hs(24, 5, 96, 40, true, 2),
        hs(40, 5, 240, 40, true, 1),
        hs(40, 5, 240, 40, true, 1),
        hs(40, 5, 120, 48, true, 1),
        hs(48, 5, 144, 48, true, 1),
        hs(48, 5, 288, 96, true, 2),
        hs(96, 5, 576, 96, true, 1),
        hs(96, 5, 576, 96, true, 1)));

    final int lastChannel;
    final List<InvertedResidualConfig> blocks;

    Variant(int lastChannel, List<InvertedResidualConfig> blocks) {
      this.lastChannel = lastChannel;
      this.blocks = blocks;
    }
  }

  private final Sequential features;
  private final PooledClassifier head;

  public MobileNetV3(Variant variant, HeadSpec headSpec) {
    this(variant, headSpec, 0.2f);
  }

  /** @param dropout the classifier's dropout probability, torchvision's {@code dropout=...} */
  public MobileNetV3(Variant variant, HeadSpec headSpec, float dropout) {
    super("");
    List<Layer> layers = new ArrayList<>();
    int stem = variant.blocks.get(0).in();
    layers.add(conv("0", 3, stem, 3, 1, Activation.Kind.HARDSWISH).optStride(2).build());
    for (InvertedResidualConfig config : variant.blocks) {
      layers.add(new InvertedResidual(String.valueOf(layers.size()), config));
    }
    int lastIn = variant.blocks.get(variant.blocks.size() - 1).out();
    int lastConv = 6 * lastIn;
    layers.add(conv(String.valueOf(layers.size()), lastIn, lastConv, 1, 1, Activation.Kind.HARDSWISH).build());
    features = new Sequential("features", layers);
    head = PooledClassifier.of("avgpool", "classifier", lastConv, headSpec, 1,
        numClasses -> new Sequential("classifier",
            new Dense("0", lastConv, variant.lastChannel, Dense.Init.NORMAL_0_01),
            new Activation("1", Activation.Kind.HARDSWISH),
            new Dropout("2", dropout),
            new Dense("3", variant.lastChannel, numClasses)));
  }

  /** The linear head's module, {@code classifier.3}, or the whole MLP head. */
  static String headPrefix(HeadSpec head) {
    return head.isMlp() ? "classifier" : "classifier.3";
  }

  private static Conv2dNormActivation.Builder conv(String name, int in, int out, int kernel, int groups,
      Activation.Kind activation) {
    return Conv2dNormActivation.builder(name).setChannels(in, out).setKernel(kernel).optGroups(groups)
        .optNorm(BN_EPS, BN_MOMENTUM).optActivation(activation);
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
   * Expansion 1x1 (unless expanded = in), depthwise k x k, squeeze-excitation (ReLU, Hardsigmoid)
   * and a linear 1x1 projection, as {@code block}; the input is added when the shape is kept.
   */
  private static final class InvertedResidual extends Layer {
    private final Sequential block;
    private final boolean residual;

    InvertedResidual(String name, InvertedResidualConfig config) {
      super(name);
      Activation.Kind activation = config.hardswish() ? Activation.Kind.HARDSWISH : Activation.Kind.RELU;
      List<Layer> layers = new ArrayList<>();
      if (config.expanded() != config.in()) {
        layers.add(conv("0", config.in(), config.expanded(), 1, 1, activation).build());
      }
      layers.add(conv(String.valueOf(layers.size()), config.expanded(), config.expanded(), config.kernel(),
          config.expanded(), activation).optStride(config.stride()).build());
      if (config.se()) {
        layers.add(new SqueezeExcitation(String.valueOf(layers.size()), config.expanded(),
            ChannelRounding.makeDivisible(config.expanded() / 4, 8), Activation.Kind.RELU,
            Activation.Kind.HARDSIGMOID));
      }
      layers.add(conv(String.valueOf(layers.size()), config.expanded(), config.out(), 1, 1, null).build());
      block = new Sequential("block", layers);
      residual = config.stride() == 1 && config.in() == config.out();
    }

    @Override
    public List<Layer> children() {
      return List.of(block);
    }

    @Override
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      Operand<TFloat32> y = block.apply(context, input);
      return residual ? context.tf().math.add(y, input) : y;
    }
  }
}
