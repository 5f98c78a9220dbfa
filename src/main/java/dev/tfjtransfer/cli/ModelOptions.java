package dev.tfjtransfer.cli;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.List;
import picocli.CommandLine.Option;

/** Options that choose an architecture and its head, shared by the commands that build a model. */
final class ModelOptions {
  @Option(names = "--arch", required = true, completionCandidates = ArchitectureNames.class,
      description = "architecture, e.g. resnet18 (the `models` command lists them all)")
  String architecture;

  @Option(names = "--num-classes", defaultValue = "1000", description = "outputs of the head (default: ${DEFAULT-VALUE})")
  int numClasses;

  @Option(names = "--head", defaultValue = "linear",
      description = "linear (replace classifier.6 / fc) or mlp (adaptive pool + MLP); default: ${DEFAULT-VALUE}")
  String head;

  @Option(names = "--head-pool", defaultValue = "3", description = "mlp head: adaptive pool size (default: ${DEFAULT-VALUE})")
  int headPool;

  @Option(names = "--head-hidden", split = ",", defaultValue = "512,128",
      description = "mlp head: hidden widths (default: ${DEFAULT-VALUE})")
  List<Integer> headHidden;

  @Option(names = "--head-dropout", defaultValue = "0.5", description = "mlp head: dropout (default: ${DEFAULT-VALUE})")
  float headDropout;

  HeadSpec headSpec() {
    return switch (head) {
      case "linear" -> HeadSpec.linear(numClasses);
      case "mlp" -> HeadSpec.mlp(numClasses, headPool, headHidden, headDropout);
      default -> throw new IllegalArgumentException("--head must be linear or mlp; received: " + head);
    };
  }

  /** The eval transforms of the architecture's published weights. */
  EvalPreset preset() {
    return ModelZoo.architecture(architecture).eval();
  }

  /** The model at its preset's input size (the crop). */
  Model create() {
    return ModelZoo.create(architecture, headSpec());
  }

  /** The zoo's names, for picocli's help text and completion. */
  static final class ArchitectureNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return ModelZoo.ARCHITECTURES.iterator();
    }
  }
}
