package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Dropout;
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
 * VGG-16 (configuration D) as torchvision builds it: Simonyan and Zisserman, "Very Deep
 * Convolutional Networks for Large-Scale Image Recognition", 2014. Children {@code features}
 * (13 conv 3x3 + ReLU, 5 max pools), {@code avgpool} (adaptive 7x7) and {@code classifier}
 * (Linear 25088-4096, ReLU, Dropout, Linear 4096-4096, ReLU, Dropout, Linear 4096-N).
 */
public final class Vgg16 extends Layer {
  private static final int[] CONFIG_D = {64, 64, -1, 128, 128, -1, 256, 256, 256, -1, 512, 512, 512, -1, 512, 512, 512, -1};

  private final Sequential features;
  private final PooledClassifier head;

  public Vgg16(HeadSpec headSpec) {
    this(headSpec, 0.5f);
  }

  /** @param dropout the classifier's dropout probability, torchvision's {@code vgg16(dropout=...)} */
  public Vgg16(HeadSpec headSpec, float dropout) {
    super("");
    features = features();
    head = PooledClassifier.of("avgpool", "classifier", 512, headSpec, 7,
        numClasses -> new Sequential("classifier",
            new Dense("0", 512 * 7 * 7, 4096, Dense.Init.NORMAL_0_01),
            new ReLU("1"),
            new Dropout("2", dropout),
            new Dense("3", 4096, 4096, Dense.Init.NORMAL_0_01),
            new ReLU("4"),
            new Dropout("5", dropout),
            new Dense("6", 4096, numClasses)));
  }

  private static Sequential features() {
    List<Layer> layers = new ArrayList<>();
    long channels = 3;
    for (int width : CONFIG_D) {
      if (width < 0) {
        layers.add(new MaxPool2d(String.valueOf(layers.size()), 2, 2, 0));
      } else {
        layers.add(Conv2D.builder(String.valueOf(layers.size())).setChannels(channels, width).setKernel(3)
            .optPadding(1).build());
        layers.add(new ReLU(String.valueOf(layers.size())));
        channels = width;
      }
    }
    return new Sequential("features", layers);
  }

  @Override
  public List<Layer> children() {
    return List.of(features, head);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return head.apply(context, features.apply(context, input));
  }
}
