package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.BatchNorm2d;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * ResNet-50 block, torchvision's v1.5: 1x1 reduce, 3x3 carrying the stride, 1x1 expand (x4), with
 * the shortcut added before the last ReLU. The inner width is planes * widthPerGroup / 64 per
 * group; ResNeXt splits the 3x3 into {@code groups}, Wide ResNet doubles widthPerGroup.
 */
final class Bottleneck extends Layer {
  static final int EXPANSION = 4;

  private final Conv2D conv1;
  private final BatchNorm2d bn1;
  private final Conv2D conv2;
  private final BatchNorm2d bn2;
  private final Conv2D conv3;
  private final BatchNorm2d bn3;
  private final Sequential downsample;

  Bottleneck(String name, long inplanes, long planes, int stride, int groups, int widthPerGroup) {
    super(name);
    long width = (long) (planes * (widthPerGroup / 64.0)) * groups;
    long out = planes * EXPANSION;
    conv1 = Conv2D.builder("conv1").setChannels(inplanes, width).setKernel(1).optBias(false).build();
    bn1 = new BatchNorm2d("bn1", width);
    conv2 = Conv2D.builder("conv2").setChannels(width, width).setKernel(3).optStride(stride).optPadding(1)
        .optGroups(groups).optBias(false).build();
    bn2 = new BatchNorm2d("bn2", width);
    conv3 = Conv2D.builder("conv3").setChannels(width, out).setKernel(1).optBias(false).build();
    bn3 = new BatchNorm2d("bn3", out);
    downsample = ResNet.downsample(inplanes, out, stride);
  }

  @Override
  public List<Layer> children() {
    List<Layer> all = new ArrayList<>(List.of(conv1, bn1, conv2, bn2, conv3, bn3));
    if (downsample != null) {
      all.add(downsample);
    }
    return all;
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    var tf = context.tf();
    Operand<TFloat32> out = ReLU.relu(context, bn1.apply(context, conv1.apply(context, input)));
    out = ReLU.relu(context, bn2.apply(context, conv2.apply(context, out)));
    out = bn3.apply(context, conv3.apply(context, out));
    Operand<TFloat32> identity = downsample == null ? input : downsample.apply(context, input);
    return ReLU.relu(context, tf.math.add(out, identity));
  }
}
