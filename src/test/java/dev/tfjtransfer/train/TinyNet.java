package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.AdaptiveAvgPool2d;
import dev.tfjtransfer.nn.BatchNorm2d;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Flatten;
import dev.tfjtransfer.nn.MaxPool2d;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.Sequential;
import dev.tfjtransfer.nn.SessionOptions;

/** make_training_refs.py's tiny_net(): every layer kind of the zoo in seven layers, on 12x12 inputs. */
final class TinyNet {
  private TinyNet() {}

  static Model create() {
    return Model.build("tiny", new Sequential("",
        Conv2D.builder("0").setChannels(3, 4).setKernel(3).optPadding(1).optBias(false).build(),
        new BatchNorm2d("1", 4),
        new ReLU("2"),
        new MaxPool2d("3", 2, 2, 0),
        new AdaptiveAvgPool2d("4", 3, 3),
        new Flatten("5"),
        new Dense("6", 36, 3)), 12, 12, new SessionOptions(2, 1));
  }
}
