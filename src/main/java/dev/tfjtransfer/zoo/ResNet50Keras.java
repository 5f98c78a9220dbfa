package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.BatchNorm2d;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.MaxPool2d;
import dev.tfjtransfer.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * keras.applications.ResNet50, kept apart from torchvision's: ResNet v1 (a downsampling block's
 * stride is in its first 1x1 convolution, not the 3x3), biases on every convolution, BatchNorm
 * epsilon 1.001e-5 (momentum 0.99 in Keras' convention), and Keras' flat layer names
 * ({@code conv1_conv}, {@code conv2_block1_0_conv}, ..., {@code predictions}) as parameter names.
 */
public final class ResNet50Keras extends Layer {
  static final float EPS = 1.001e-5f;
  static final float MOMENTUM = 0.01f;
  private static final int[][] STAGES = {{2, 64, 3}, {3, 128, 4}, {4, 256, 6}, {5, 512, 3}};

  private final Sequential body;
  private final PooledClassifier head;

  public ResNet50Keras(HeadSpec headSpec) {
    super("");
    List<Layer> layers = new ArrayList<>();
    layers.add(Conv2D.builder("conv1_conv").setChannels(3, 64).setKernel(7).optStride(2).optPadding(3).build());
    layers.add(new BatchNorm2d("conv1_bn", 64, EPS, MOMENTUM));
    layers.add(new ReLU("conv1_relu"));
    layers.add(new MaxPool2d("pool1_pool", 3, 2, 1));
    long channels = 64;
    for (int[] stage : STAGES) {
      for (int b = 1; b <= stage[2]; b++) {
        int stride = b == 1 && stage[0] > 2 ? 2 : 1;
        layers.add(new Block("conv" + stage[0] + "_block" + b, channels, stage[1], stride, b == 1));
        channels = 4L * stage[1];
      }
    }
    body = new Sequential("", layers);
    head = PooledClassifier.linear("avg_pool", "predictions", channels, headSpec);
  }

  @Override
  public List<Layer> children() {
    return List.of(body, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, body.apply(context, input));
  }

  /**
   * Keras' block1: 1x1 (with the stride), 3x3 'same', 1x1 expand x4, plus a 1x1 projection shortcut
   * ({@code _0_conv}) in a stage's first block. Its layers keep Keras' flat names, so the block
   * itself adds no name level.
   */
  private static final class Block extends Layer {
    private final Sequential shortcut;
    private final Sequential residual;

    Block(String prefix, long inplanes, long filters, int stride, boolean projection) {
      super("");
      shortcut = projection ? new Sequential("", conv(prefix + "_0_conv", inplanes, 4 * filters, 1, stride, 0),
          new BatchNorm2d(prefix + "_0_bn", 4 * filters, EPS, MOMENTUM)) : null;
      List<Layer> residual = new ArrayList<>();
      residual.add(conv(prefix + "_1_conv", inplanes, filters, 1, stride, 0));
      residual.add(new BatchNorm2d(prefix + "_1_bn", filters, EPS, MOMENTUM));
      residual.add(new ReLU(prefix + "_1_relu"));
      residual.add(conv(prefix + "_2_conv", filters, filters, 3, 1, 1));
      residual.add(new BatchNorm2d(prefix + "_2_bn", filters, EPS, MOMENTUM));
      residual.add(new ReLU(prefix + "_2_relu"));
      residual.add(conv(prefix + "_3_conv", filters, 4 * filters, 1, 1, 0));
      residual.add(new BatchNorm2d(prefix + "_3_bn", 4 * filters, EPS, MOMENTUM));
      this.residual = new Sequential("", residual);
    }

    private static Conv2D conv(String name, long in, long out, int kernel, int stride, int padding) {
      return Conv2D.builder(name).setChannels(in, out).setKernel(kernel).optStride(stride).optPadding(padding).build();
    }

    @Override
    public List<Layer> children() {
      return shortcut == null ? List.of(residual) : List.of(shortcut, residual);
    }

    @Override
    protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
      Operand<TFloat32> y = residual.apply(context, input);
      Operand<TFloat32> s = shortcut == null ? input : shortcut.apply(context, input);
      return ReLU.relu(context, context.tf().math.add(y, s));
    }
  }
}
