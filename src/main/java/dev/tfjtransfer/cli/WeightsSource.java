package dev.tfjtransfer.cli;

import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a command's trained model comes from: a run directory, or an architecture plus weights. */
final class WeightsSource {
  @Option(names = "--run", description = "a finished run directory: its model, best weights and class names")
  Path run;

  @ArgGroup(exclusive = false)
  Explicit explicit;

  /** {@code --arch ... --weights W}. */
  static final class Explicit {
    @ArgGroup(exclusive = false, multiplicity = "1")
    ModelOptions model;

    @Option(names = "--weights", required = true, description = "weights: .safetensors, .pth or Keras .h5")
    Path weights;

    @Option(names = "--classes", description = "class names: a file with one per line, or a comma-separated list")
    String classes;

    /** Resize 256, CenterCrop 224 and the normalization the weights record (Keras' caffe mean), else ImageNet's. */
    static Pipeline evalPipeline(StateDict weights) {
      return Pipeline.imagenetEval().withNormalization(
          Normalization.fromMetadata(weights.metadata()).orElse(Normalization.IMAGENET));
    }
  }
}
