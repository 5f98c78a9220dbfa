package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Activation;
import dev.tfjtransfer.nn.BatchNorm2d;
import dev.tfjtransfer.nn.Conv2dNormActivation;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.Sequential;
import dev.tfjtransfer.nn.SqueezeExcitation;
import dev.tfjtransfer.nn.StochasticDepth;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * EfficientNet B0-B7 and EfficientNetV2 as torchvision builds them: Tan and Le, "EfficientNet:
 * Rethinking Model Scaling for Convolutional Neural Networks", 2019, and "EfficientNetV2: Smaller
 * Models and Faster Training", 2021. Children {@code features} (stem, one Sequential of blocks per
 * stage of {@link Variant}'s table, 1x1 conv), {@code avgpool} and {@code classifier} (Dropout "0",
 * Linear "1"). Blocks are MBConv (expand, depthwise, squeeze-excitation, project) or, in V2's early
 * stages, FusedMBConv (one k x k expansion, project); residual blocks drop their branch with
 * stochastic depth rising linearly to 0.2 at the last block, as torchvision's builder does.
 */
public final class EfficientNet extends Layer {
  /** torchvision's default {@code stochastic_depth_prob}. */
  public static final float STOCHASTIC_DEPTH = 0.2f;

  /**
   * torchvision's MBConvConfig / FusedMBConvConfig before width and depth scaling: expansion ratio,
   * kernel, first stride, input and output channels, blocks.
   */
  record StageConfig(boolean fused, double expandRatio, int kernel, int stride, int in, int out, int layers) {}

  private static StageConfig mb(double expandRatio, int kernel, int stride, int in, int out, int layers) {
    return new StageConfig(false, expandRatio, kernel, stride, in, out, layers);
  }

  private static StageConfig fused(double expandRatio, int kernel, int stride, int in, int out, int layers) {
    return new StageConfig(true, expandRatio, kernel, stride, in, out, layers);
  }

  /** Table 1 of the EfficientNet paper: B0, scaled by each B variant's width and depth multipliers. */
  private static final List<StageConfig> B0_STAGES = List.of(
      mb(1, 3, 1, 32, 16, 1),
      mb(6, 3, 2, 16, 24, 2),
      mb(6, 5, 2, 24, 40, 2),
      mb(6, 3, 2, 40, 80, 3),
      mb(6, 5, 1, 80, 112, 3),
      mb(6, 5, 2, 112, 192, 4),
      mb(6, 3, 1, 192, 320, 1));

  private static final List<StageConfig> V2_S_STAGES = List.of(
      fused(1, 3, 1, 24, 24, 2),
      fused(4, 3, 2, 24, 48, 4),
      fused(4, 3, 2, 48, 64, 4),
      mb(4, 3, 2, 64, 128, 6),
      mb(6, 3, 1, 128, 160, 9),
      mb(6, 3, 2, 160, 256, 15));

  private static final List<StageConfig> V2_M_STAGES = List.of(
      fused(1, 3, 1, 24, 24, 3),
      fused(4, 3, 2, 24, 48, 5),
      fused(4, 3, 2, 48, 80, 5),
      mb(4, 3, 2, 80, 160, 7),
      mb(6, 3, 1, 160, 176, 14),
      mb(6, 3, 2, 176, 304, 18),
      mb(6, 3, 1, 304, 512, 5));

  private static final float TORCH_EPS = BatchNorm2d.DEFAULT_EPS;
  private static final float TORCH_MOMENTUM = BatchNorm2d.DEFAULT_MOMENTUM;

  /**
   * The variants: stage table, width and depth multipliers, classifier dropout, BatchNorm eps and
   * momentum (torchvision passes eps 0.001 / momentum 0.01 for B5-B7 and eps 0.001 for V2), and
   * the last conv's width (0: four times the last stage's).
   */
  public enum Variant {
    B0(B0_STAGES, 1.0, 1.0, 0.2f, TORCH_EPS, TORCH_MOMENTUM, 0),
    B1(B0_STAGES, 1.0, 1.1, 0.2f, TORCH_EPS, TORCH_MOMENTUM, 0),
    B2(B0_STAGES, 1.1, 1.2, 0.3f, TORCH_EPS, TORCH_MOMENTUM, 0),
    B3(B0_STAGES, 1.2, 1.4, 0.3f, TORCH_EPS, TORCH_MOMENTUM, 0),
    B4(B0_STAGES, 1.4, 1.8, 0.4f, TORCH_EPS, TORCH_MOMENTUM, 0),
    B5(B0_STAGES, 1.6, 2.2, 0.4f, 0.001f, 0.01f, 0),
    B6(B0_STAGES, 1.8, 2.6, 0.5f, 0.001f, 0.01f, 0),
    B7(B0_STAGES, 2.0, 3.1, 0.5f, 0.001f, 0.01f, 0),
    V2_S(V2_S_STAGES, 1.0, 1.0, 0.2f, 0.001f, TORCH_MOMENTUM, 1280),
    V2_M(V2_M_STAGES, 1.0, 1.0, 0.3f, 0.001f, TORCH_MOMENTUM, 1280);

    final List<StageConfig> stages;
    final double widthMult;
    final double depthMult;
    final float dropout;
    final float bnEps;
    final float bnMomentum;
    final int lastChannel;

    Variant(List<StageConfig> stages, double widthMult, double depthMult, float dropout, float bnEps,
        float bnMomentum, int lastChannel) {
      this.stages = stages;
      this.widthMult = widthMult;
      this.depthMult = depthMult;
      this.dropout = dropout;
      this.bnEps = bnEps;
      this.bnMomentum = bnMomentum;
      this.lastChannel = lastChannel;
    }

    /** The stage table after width scaling (channels) and depth scaling (blocks), as MBConvConfig does. */
    List<StageConfig> scaledStages() {
      return stages.stream().map(s -> s.fused() ? s : new StageConfig(false, s.expandRatio(), s.kernel(), s.stride(),
          ChannelRounding.makeDivisible(s.in() * widthMult, 8), ChannelRounding.makeDivisible(s.out() * widthMult, 8),
          (int) Math.ceil(s.layers() * depthMult))).toList();
    }
  }

  private final Sequential features;
  private final PooledClassifier head;

  public EfficientNet(Variant variant, HeadSpec headSpec) {
    this(variant, headSpec, variant.dropout, STOCHASTIC_DEPTH);
  }

  /**
   * @param dropout the classifier's dropout probability
   * @param stochasticDepth the last block's drop probability, torchvision's {@code stochastic_depth_prob}
   */
  public EfficientNet(Variant variant, HeadSpec headSpec, float dropout, float stochasticDepth) {
    super("");
    Norm norm = new Norm(variant.bnEps, variant.bnMomentum);
    List<StageConfig> stages = variant.scaledStages();
    List<Layer> layers = new ArrayList<>();
    layers.add(norm.conv("0", 3, stages.get(0).in(), 3, 1, Activation.Kind.SILU).optStride(2).build());
    int totalBlocks = stages.stream().mapToInt(StageConfig::layers).sum();
    int blockId = 0;
    for (StageConfig stage : stages) {
      List<Layer> blocks = new ArrayList<>();
      for (int i = 0; i < stage.layers(); i++) {
        int in = i == 0 ? stage.in() : stage.out();
        int stride = i == 0 ? stage.stride() : 1;
        float drop = stochasticDepth * blockId / totalBlocks;
        blocks.add(new MBConv(String.valueOf(i), stage, in, stride, drop, norm));
        blockId++;
      }
      layers.add(new Sequential(String.valueOf(layers.size()), blocks));
    }
    int lastIn = stages.get(stages.size() - 1).out();
    int lastConv = variant.lastChannel > 0 ? variant.lastChannel : 4 * lastIn;
    layers.add(norm.conv(String.valueOf(layers.size()), lastIn, lastConv, 1, 1, Activation.Kind.SILU).build());
    features = new Sequential("features", layers);
    head = PooledClassifier.dropoutLinear(lastConv, headSpec, dropout);
  }

  @Override
  public List<Layer> children() {
    return List.of(features, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, features.apply(context, input));
  }

  /** The variant's {@code norm_layer}: conv-BatchNorm-activation blocks with its eps and momentum. */
  private record Norm(float eps, float momentum) {
    Conv2dNormActivation.Builder conv(String name, int in, int out, int kernel, int groups,
        Activation.Kind activation) {
      return Conv2dNormActivation.builder(name).setChannels(in, out).setKernel(kernel).optGroups(groups)
          .optNorm(eps, momentum).optActivation(activation);
    }
  }

  /**
   * torchvision's MBConv and FusedMBConv, children {@code block} and {@code stochastic_depth}: the
   * stage's block on {@code in} channels; the input is added (after stochastic depth) when the
   * shape is kept.
   */
  private static final class MBConv extends Layer {
    private final Sequential block;
    private final StochasticDepth stochasticDepth;
    private final boolean residual;

    MBConv(String name, StageConfig stage, int in, int stride, float drop, Norm norm) {
      super(name);
      int expanded = ChannelRounding.makeDivisible(in * stage.expandRatio(), 8);
      int out = stage.out();
      List<Layer> layers = new ArrayList<>();
      if (stage.fused()) {
        if (expanded != in) {
          layers.add(norm.conv("0", in, expanded, stage.kernel(), 1, Activation.Kind.SILU).optStride(stride).build());
          layers.add(norm.conv("1", expanded, out, 1, 1, null).build());
        } else {
          layers.add(norm.conv("0", in, out, stage.kernel(), 1, Activation.Kind.SILU).optStride(stride).build());
        }
      } else {
        if (expanded != in) {
          layers.add(norm.conv("0", in, expanded, 1, 1, Activation.Kind.SILU).build());
        }
        layers.add(norm.conv(String.valueOf(layers.size()), expanded, expanded, stage.kernel(), expanded,
            Activation.Kind.SILU).optStride(stride).build());
        layers.add(new SqueezeExcitation(String.valueOf(layers.size()), expanded, Math.max(1, in / 4),
            Activation.Kind.SILU, Activation.Kind.SIGMOID));
        layers.add(norm.conv(String.valueOf(layers.size()), expanded, out, 1, 1, null).build());
      }
      block = new Sequential("block", layers);
      stochasticDepth = new StochasticDepth("stochastic_depth", drop);
      residual = stride == 1 && in == out;
    }

    @Override
    public List<Layer> children() {
      return List.of(block, stochasticDepth);
    }

    @Override
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      Operand<TFloat32> y = block.apply(context, input);
      if (!residual) {
        return y;
      }
      return context.tf().math.add(stochasticDepth.apply(context, y), input);
    }
  }
}
