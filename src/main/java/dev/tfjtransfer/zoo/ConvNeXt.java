package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Activation;
import dev.tfjtransfer.nn.AdaptiveAvgPool2d;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Flatten;
import dev.tfjtransfer.nn.Initializers;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.LayerNorm;
import dev.tfjtransfer.nn.Layout;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.nn.Sequential;
import dev.tfjtransfer.nn.StochasticDepth;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * ConvNeXt as torchvision builds it: Liu et al., "A ConvNet for the 2020s", 2022. Children
 * {@code features} (stem "0": 4x4 stride-4 conv + LayerNorm; then stages of {@code CNBlock}s
 * alternating with downsampling LayerNorm + 2x2 stride-2 conv), {@code avgpool} and
 * {@code classifier} (LayerNorm "0", Flatten "1", Linear "2").
 *
 * <p>torchvision permutes to channels-last around each block's LayerNorm and Linear layers; the
 * graph is channels-last throughout, so those permutes (block "1" and "6") have nothing to do.
 */
public final class ConvNeXt extends Layer {
  /** After the classifier's LayerNorm2d and Flatten, where torchvision's replaced Linear reads. */
  static final HeadInput HEAD_INPUT = new HeadInput("classifier.1", "classifier.2");
  private static final float LAYER_NORM_EPS = 1e-6f;
  private static final float LAYER_SCALE_INIT = 1e-6f;

  /** torchvision's builders: stage widths, blocks per stage, and the default stochastic depth rate. */
  public enum Variant {
    CONVNEXT_TINY(0.1f, new int[] {96, 192, 384, 768}, 3, 3, 9, 3),
    CONVNEXT_SMALL(0.4f, new int[] {96, 192, 384, 768}, 3, 3, 27, 3),
    CONVNEXT_BASE(0.5f, new int[] {128, 256, 512, 1024}, 3, 3, 27, 3),
    CONVNEXT_LARGE(0.5f, new int[] {192, 384, 768, 1536}, 3, 3, 27, 3);

    final float stochasticDepthProb;
    final int[] widths;
    final int[] blocks;

    Variant(float stochasticDepthProb, int[] widths, int... blocks) {
      this.stochasticDepthProb = stochasticDepthProb;
      this.widths = widths;
      this.blocks = blocks;
    }
  }

  private final Sequential features;
  private final AdaptiveAvgPool2d avgpool;
  private final Sequential classifier;

  public ConvNeXt(Variant variant, HeadSpec head) {
    this(variant, head, variant.stochasticDepthProb);
  }

  /**
   * @param stochasticDepthProb the last block's rate (torchvision's {@code stochastic_depth_prob});
   *     block i of n drops its residual branch with rate prob * i / (n - 1)
   */
  public ConvNeXt(Variant variant, HeadSpec head, float stochasticDepthProb) {
    super("");
    int[] widths = variant.widths;
    List<Layer> layers = new ArrayList<>();
    layers.add(new Sequential("0",
        Conv2D.builder("0").setChannels(3, widths[0]).setKernel(4).optStride(4).build(),
        new LayerNorm("1", widths[0], LAYER_NORM_EPS)));
    int totalBlocks = IntStream.of(variant.blocks).sum();
    int blockId = 0;
    for (int stage = 0; stage < widths.length; stage++) {
      List<Layer> blocks = new ArrayList<>();
      for (int b = 0; b < variant.blocks[stage]; b++) {
        float rate = stochasticDepthProb * blockId / (totalBlocks - 1f);
        blocks.add(new CNBlock(String.valueOf(b), widths[stage], rate));
        blockId++;
      }
      layers.add(new Sequential(String.valueOf(layers.size()), blocks));
      if (stage < widths.length - 1) {
        layers.add(new Sequential(String.valueOf(layers.size()),
            new LayerNorm("0", widths[stage], LAYER_NORM_EPS),
            Conv2D.builder("1").setChannels(widths[stage], widths[stage + 1]).setKernel(2).optStride(2).build()));
      }
    }
    features = new Sequential("features", layers);
    long channels = widths[widths.length - 1];
    int pool = head.isMlp() ? head.pool() : 1;
    avgpool = new AdaptiveAvgPool2d("avgpool", pool, pool);
    Layer linear = head.isMlp()
        ? Heads.mlp("2", channels * pool * pool, head)
        : new Dense("2", channels, head.numClasses());
    classifier = new Sequential("classifier", new LayerNorm("0", channels, LAYER_NORM_EPS), new Flatten("1"), linear);
  }

  @Override
  public List<Layer> children() {
    return List.of(features, avgpool, classifier);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return classifier.apply(context, avgpool.apply(context, features.apply(context, input)));
  }

  /**
   * {@code CNBlock}: input + stochastic_depth(layer_scale * block(input)), block = 7x7 depthwise
   * conv, LayerNorm, Linear(dim, 4 dim), GELU, Linear(4 dim, dim). {@code layer_scale} is torch's
   * (dim, 1, 1) parameter, broadcast over channels.
   */
  private static final class CNBlock extends Layer {
    private final long dim;
    private final Sequential block;
    private final StochasticDepth stochasticDepth;
    private Parameter layerScale;

    CNBlock(String name, long dim, float stochasticDepthRate) {
      super(name);
      this.dim = dim;
      block = new Sequential("block",
          Conv2D.builder("0").setChannels(dim, dim).setKernel(7).optPadding(3).optGroups((int) dim).build(),
          new LayerNorm("2", dim, LAYER_NORM_EPS),
          new Dense("3", dim, 4 * dim),
          new Activation("4", Activation.Kind.GELU),
          new Dense("5", 4 * dim, dim));
      stochasticDepth = new StochasticDepth("stochastic_depth", stochasticDepthRate);
    }

    @Override
    protected void build(LayerContext context, Shape inputShape) {
      layerScale = addWeight(context, "layer_scale", new long[] {dim, 1, 1}, Layout.CHANNEL_C11_AS_11C,
          Initializers.constant(LAYER_SCALE_INIT));
    }

    @Override
    public List<Layer> children() {
      return List.of(block, stochasticDepth);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      var tf = context.tf();
      Operand<TFloat32> result = tf.math.mul((Operand<TFloat32>) layerScale.variable(), block.apply(context, input));
      return tf.math.add(stochasticDepth.apply(context, result), input);
    }
  }
}
