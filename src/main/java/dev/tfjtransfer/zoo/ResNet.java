package dev.tfjtransfer.zoo;

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
import org.tensorflow.types.TFloat32;

/**
 * ResNet as torchvision builds it: He et al., "Deep Residual Learning for Image Recognition",
 * 2015, in torchvision's v1.5 variant (a bottleneck's stride is in its 3x3 conv), with the
 * bottleneck's {@code groups} and {@code width_per_group} that make ResNeXt (Xie et al., 2017) and
 * Wide ResNet (Zagoruyko and Komodakis, 2016). Children
 * {@code conv1, bn1, relu, maxpool, layer1..layer4, avgpool, fc}.
 */
public final class ResNet extends Layer {
  /** torchvision's builders: block type, blocks per stage, and the bottleneck's groups and width per group. */
  public enum Variant {
    RESNET18(false, 1, 64, 2, 2, 2, 2),
    RESNET34(false, 1, 64, 3, 4, 6, 3),
    RESNET50(true, 1, 64, 3, 4, 6, 3),
    RESNET101(true, 1, 64, 3, 4, 23, 3),
    RESNET152(true, 1, 64, 3, 8, 36, 3),
    RESNEXT50_32X4D(true, 32, 4, 3, 4, 6, 3),
    RESNEXT101_32X8D(true, 32, 8, 3, 4, 23, 3),
    RESNEXT101_64X4D(true, 64, 4, 3, 4, 23, 3),
    WIDE_RESNET50_2(true, 1, 128, 3, 4, 6, 3),
    WIDE_RESNET101_2(true, 1, 128, 3, 4, 23, 3);

    final boolean bottleneck;
    final int groups;
    final int widthPerGroup;
    final int[] blocks;

    Variant(boolean bottleneck, int groups, int widthPerGroup, int... blocks) {
      this.bottleneck = bottleneck;
      this.groups = groups;
      this.widthPerGroup = widthPerGroup;
      this.blocks = blocks;
    }

    int expansion() {
      return bottleneck ? Bottleneck.EXPANSION : 1;
    }
  }

  private final Sequential body;
  private final PooledClassifier head;

  public ResNet(Variant variant, HeadSpec headSpec) {
    super("");
    List<Layer> layers = new ArrayList<>(List.of(
        Conv2D.builder("conv1").setChannels(3, 64).setKernel(7).optStride(2).optPadding(3).optBias(false).build(),
        new BatchNorm2d("bn1", 64),
        new ReLU("relu"),
        new MaxPool2d("maxpool", 3, 2, 1)));
    long inplanes = 64;
    int[] planes = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; stage++) {
      List<Layer> blocks = new ArrayList<>();
      for (int b = 0; b < variant.blocks[stage]; b++) {
        int stride = (b == 0 && stage > 0) ? 2 : 1;
        String name = String.valueOf(b);
        blocks.add(variant.bottleneck
            ? new Bottleneck(name, inplanes, planes[stage], stride, variant.groups, variant.widthPerGroup)
            : new BasicBlock(name, inplanes, planes[stage], stride));
        inplanes = (long) planes[stage] * variant.expansion();
      }
      layers.add(new Sequential("layer" + (stage + 1), blocks));
    }
    // unnamed: conv1 ... layer4 stay top-level names, as in torchvision
    body = new Sequential("", layers);
    head = PooledClassifier.linear("avgpool", "fc", inplanes, headSpec);
  }

  @Override
  public List<Layer> children() {
    return List.of(body, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, body.apply(context, input));
  }

  /** The 1x1 projection shortcut {@code downsample}: conv "0" and BatchNorm "1", or null when not needed. */
  static Sequential downsample(long inplanes, long outplanes, int stride) {
    if (stride == 1 && inplanes == outplanes) {
      return null;
    }
    return new Sequential("downsample",
        Conv2D.builder("0").setChannels(inplanes, outplanes).setKernel(1).optStride(stride).optBias(false).build(),
        new BatchNorm2d("1", outplanes));
  }
}
