package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Activation;
import dev.tfjtransfer.nn.Conv2dNormActivation;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.Sequential;
import dev.tfjtransfer.nn.SqueezeExcitation;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * RegNetX and RegNetY as torchvision builds them: Radosavovic et al., "Designing Network Design
 * Spaces", 2020. Children {@code stem} (3x3 stride-2 conv, BN, ReLU), {@code trunk_output}
 * (stages {@code block1..blockN} of residual bottleneck blocks {@code blockI-J}), {@code avgpool}
 * and {@code fc}. A variant is its design-space parameters (depth, w_0, w_a, w_m, group width,
 * squeeze-excitation ratio); the stage widths and depths follow from them as in torchvision's
 * {@code BlockParams.from_init_params}, computed in float32 like torch does.
 */
public final class RegNet extends Layer {
  private static final int STEM_WIDTH = 32;
  private static final int QUANT = 8;

  /** torchvision's builders: the parameters each passes to {@code BlockParams.from_init_params}. */
  public enum Variant {
    REGNET_Y_400MF(16, 48, 27.89, 2.09, 8, 0.25),
    REGNET_Y_800MF(14, 56, 38.84, 2.4, 16, 0.25),
    REGNET_Y_1_6GF(27, 48, 20.71, 2.65, 24, 0.25),
    REGNET_Y_3_2GF(21, 80, 42.63, 2.66, 24, 0.25),
    REGNET_Y_8GF(17, 192, 76.82, 2.19, 56, 0.25),
    REGNET_Y_16GF(18, 200, 106.23, 2.48, 112, 0.25),
    REGNET_Y_32GF(20, 232, 115.89, 2.53, 232, 0.25),
    REGNET_Y_128GF(27, 456, 160.83, 2.52, 264, 0.25),
    REGNET_X_400MF(22, 24, 24.48, 2.54, 16, 0),
    REGNET_X_800MF(16, 56, 35.73, 2.28, 16, 0),
    REGNET_X_1_6GF(18, 80, 34.01, 2.25, 24, 0),
    REGNET_X_3_2GF(25, 88, 26.31, 2.25, 48, 0),
    REGNET_X_8GF(23, 80, 49.56, 2.88, 120, 0),
    REGNET_X_16GF(22, 216, 55.59, 2.1, 128, 0),
    REGNET_X_32GF(23, 320, 69.86, 2.0, 168, 0);

    final int depth;
    final int w0;
    final double wa;
    final double wm;
    final int groupWidth;
    /** Squeeze-excitation width relative to the block's input width; 0 for RegNetX (none). */
    final double seRatio;

    Variant(int depth, int w0, double wa, double wm, int groupWidth, double seRatio) {
      this.depth = depth;
      this.w0 = w0;
      this.wa = wa;
      this.wm = wm;
      this.groupWidth = groupWidth;
      this.seRatio = seRatio;
    }

    /**
     * The stages torchvision derives: block j's width is w_0 * w_m^round(log((j w_a + w_0) / w_0)
     * / log w_m), quantized to multiples of 8; runs of equal widths form the stages, whose group
     * width is capped at the stage width and whose width is then made divisible by it (bottleneck
     * multiplier 1).
     */
    List<Stage> stages() {
      float w0f = w0;
      float logWm = (float) Math.log(wm);
      List<Stage> stages = new ArrayList<>();
      int runWidth = -1;
      int runBlocks = 0;
      for (int j = 0; j <= depth; j++) {
        int width = -1;
        if (j < depth) {
          float continuous = j * (float) wa + w0f;
          float capacity = (float) Math.rint((float) Math.log(continuous / w0f) / logWm);
          width = (int) (Math.rint(w0f * (float) Math.pow((float) wm, capacity) / QUANT) * QUANT);
        }
        if (width != runWidth && runBlocks > 0) {
          int group = Math.min(groupWidth, runWidth);
          stages.add(new Stage(makeDivisible(runWidth, group), runBlocks, group));
          runBlocks = 0;
        }
        runWidth = width;
        runBlocks++;
      }
      return stages;
    }
  }

  /** One stage: its output width, number of blocks, and channels per group of its 3x3 convs. */
  record Stage(int width, int blocks, int groupWidth) {}

  private final Sequential stem;
  private final Sequential trunkOutput;
  private final PooledClassifier head;

  public RegNet(Variant variant, HeadSpec headSpec) {
    super("");
    stem = Conv2dNormActivation.builder("stem").setChannels(3, STEM_WIDTH).setKernel(3).optStride(2).build();
    List<Layer> stages = new ArrayList<>();
    long widthIn = STEM_WIDTH;
    for (Stage stage : variant.stages()) {
      String stageName = "block" + (stages.size() + 1);
      List<Layer> blocks = new ArrayList<>();
      for (int j = 0; j < stage.blocks(); j++) {
        blocks.add(new ResBottleneckBlock(stageName + "-" + j, widthIn, stage.width(), j == 0 ? 2 : 1,
            stage.groupWidth(), variant.seRatio));
        widthIn = stage.width();
      }
      stages.add(new Sequential(stageName, blocks));
    }
    trunkOutput = new Sequential("trunk_output", stages);
    head = PooledClassifier.linear("avgpool", "fc", widthIn, headSpec);
  }

  @Override
  public List<Layer> children() {
    return List.of(stem, trunkOutput, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, trunkOutput.apply(context, stem.apply(context, input)));
  }

  /** torchvision's {@code _make_divisible(v, divisor)}: the nearest multiple, never 10% below v. */
  static int makeDivisible(int value, int divisor) {
    int rounded = Math.max(divisor, (int) (value + divisor / 2.0) / divisor * divisor);
    return rounded < 0.9 * value ? rounded + divisor : rounded;
  }

  /**
   * {@code ResBottleneckBlock}: relu(shortcut + f(x)), f = 1x1 conv "a", grouped 3x3 conv "b"
   * carrying the stride, squeeze-excitation "se" (RegNetY), 1x1 conv "c" without activation; the
   * shortcut is the projection {@code proj} (1x1 conv + BN) when the width or resolution changes.
   */
  private static final class ResBottleneckBlock extends Layer {
    private final Sequential proj;
    private final Sequential f;

    ResBottleneckBlock(String name, long widthIn, long widthOut, int stride, int groupWidth, double seRatio) {
      super(name);
      proj = widthIn != widthOut || stride != 1
          ? Conv2dNormActivation.builder("proj").setChannels(widthIn, widthOut).setKernel(1).optStride(stride)
              .optActivation(null).build()
          : null;
      List<Layer> transform = new ArrayList<>(List.of(
          Conv2dNormActivation.builder("a").setChannels(widthIn, widthOut).setKernel(1).build(),
          Conv2dNormActivation.builder("b").setChannels(widthOut, widthOut).setKernel(3).optStride(stride)
              .optGroups((int) (widthOut / groupWidth)).build()));
      if (seRatio > 0) {
        transform.add(new SqueezeExcitation("se", widthOut, (long) Math.rint(seRatio * widthIn),
            Activation.Kind.RELU, Activation.Kind.SIGMOID));
      }
      transform.add(Conv2dNormActivation.builder("c").setChannels(widthOut, widthOut).setKernel(1)
          .optActivation(null).build());
      f = new Sequential("f", transform);
    }

    @Override
    public List<Layer> children() {
      return proj == null ? List.of(f) : List.of(proj, f);
    }

    @Override
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      Operand<TFloat32> shortcut = proj == null ? input : proj.apply(context, input);
      return ReLU.relu(context, context.tf().math.add(shortcut, f.apply(context, input)));
    }
  }
}
