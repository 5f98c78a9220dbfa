package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.AvgPool2d;
import dev.tfjtransfer.nn.BatchNorm2d;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.MaxPool2d;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * DenseNet-BC as torchvision builds it: Huang et al., "Densely Connected Convolutional Networks",
 * 2017. Children {@code features} ({@code conv0, norm0, relu0, pool0}, then {@code denseblockN}
 * with {@code denselayerM} and {@code transitionN} between blocks, then {@code norm5}) and
 * {@code classifier}; ReLU and global average pooling between them, as in torchvision's forward.
 *
 * <p>torchvision's published weights name a dense layer's modules {@code norm.1}, {@code conv.2};
 * {@link dev.tfjtransfer.weights.TorchPth} renames them as torchvision's loader does.
 */
public final class DenseNet extends Layer {
  /** Bottleneck width multiplier: a dense layer's 1x1 conv gives BN_SIZE * growth channels. */
  private static final int BN_SIZE = 4;

  /** torchvision's builders: growth rate, stem width, and dense layers per block. */
  public enum Variant {
    DENSENET121(32, 64, 6, 12, 24, 16),
    DENSENET161(48, 96, 6, 12, 36, 24),
    DENSENET169(32, 64, 6, 12, 32, 32),
    DENSENET201(32, 64, 6, 12, 48, 32);

    final int growthRate;
    final int initFeatures;
    final int[] blockLayers;

    Variant(int growthRate, int initFeatures, int... blockLayers) {
      this.growthRate = growthRate;
      this.initFeatures = initFeatures;
      this.blockLayers = blockLayers;
    }
  }

  private final Sequential features;
  private final PooledClassifier head;

  public DenseNet(Variant variant, HeadSpec headSpec) {
    super("");
    List<Layer> layers = new ArrayList<>(List.of(
        Conv2D.builder("conv0").setChannels(3, variant.initFeatures).setKernel(7).optStride(2).optPadding(3)
            .optBias(false).build(),
        new BatchNorm2d("norm0", variant.initFeatures),
        new ReLU("relu0"),
        new MaxPool2d("pool0", 3, 2, 1)));
    long channels = variant.initFeatures;
    for (int i = 0; i < variant.blockLayers.length; i++) {
      layers.add(new DenseBlock("denseblock" + (i + 1), variant.blockLayers[i], channels, variant.growthRate));
      channels += (long) variant.blockLayers[i] * variant.growthRate;
      if (i < variant.blockLayers.length - 1) {
        layers.add(transition("transition" + (i + 1), channels, channels / 2));
        channels /= 2;
      }
    }
    layers.add(new BatchNorm2d("norm5", channels));
    features = new Sequential("features", layers);
    head = PooledClassifier.linear("avgpool", "classifier", channels, headSpec);
  }

  @Override
  public List<Layer> children() {
    return List.of(features, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, ReLU.relu(context, features.apply(context, input)));
  }

  /** {@code _Transition}: BN, ReLU, 1x1 conv halving the channels, 2x2 average pool. */
  private static Sequential transition(String name, long in, long out) {
    return new Sequential(name,
        new BatchNorm2d("norm", in),
        new ReLU("relu"),
        Conv2D.builder("conv").setChannels(in, out).setKernel(1).optBias(false).build(),
        new AvgPool2d("pool", 2, 2));
  }

  /**
   * {@code _DenseBlock}: each dense layer sees the concatenation of the block's input and every
   * earlier layer's output, and adds {@code growth} channels to it.
   */
  private static final class DenseBlock extends Layer {
    private final List<Layer> denseLayers = new ArrayList<>();

    DenseBlock(String name, int numLayers, long inChannels, int growth) {
      super(name);
      for (int i = 0; i < numLayers; i++) {
        denseLayers.add(denseLayer("denselayer" + (i + 1), inChannels + (long) i * growth, growth));
      }
    }

    /** {@code _DenseLayer}: BN, ReLU, 1x1 conv to BN_SIZE * growth, BN, ReLU, 3x3 conv to growth. */
    private static Sequential denseLayer(String name, long in, int growth) {
      long bottleneck = (long) BN_SIZE * growth;
      return new Sequential(name,
          new BatchNorm2d("norm1", in),
          new ReLU("relu1"),
          Conv2D.builder("conv1").setChannels(in, bottleneck).setKernel(1).optBias(false).build(),
          new BatchNorm2d("norm2", bottleneck),
          new ReLU("relu2"),
          Conv2D.builder("conv2").setChannels(bottleneck, growth).setKernel(3).optPadding(1).optBias(false).build());
    }

    @Override
    public List<Layer> children() {
      return denseLayers;
    }

    @Override
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      Ops tf = context.tf();
      Operand<TFloat32> features = input;
      for (Layer layer : denseLayers) {
        // torch.cat(features, 1) in NHWC: channels are the last axis
        features = tf.concat(List.of(features, layer.apply(context, features)), tf.constant(3));
      }
      return features;
    }
  }
}
