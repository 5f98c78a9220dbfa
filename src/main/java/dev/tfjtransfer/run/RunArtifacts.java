package dev.tfjtransfer.run;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished run directory gives to {@code predict} and {@code export}: the architecture and
 * head from its config, the best weights, the class names, and the validation preprocessing.
 */
public record RunArtifacts(String architecture, HeadSpec head, StateDict weights, List<String> classNames,
    Normalization normalization, Pipeline evalPipeline) {

  public static RunArtifacts load(Path runDir) throws IOException {
    for (String file : List.of("config.yaml", "class_names.txt", Checkpoints.BEST)) {
      if (!Files.isRegularFile(runDir.resolve(file))) {
        throw new IOException(runDir + ": not a finished run directory (missing " + file + ")");
      }
    }
    RunConfig config = ConfigLoader.load(runDir.resolve("config.yaml"), List.of());
    List<String> classes = Files.readAllLines(runDir.resolve("class_names.txt")).stream()
        .filter(s -> !s.isBlank()).toList();
    StateDict weights = Safetensors.read(runDir.resolve(Checkpoints.BEST));
    weights.metadata().clear();
    Normalization normalization = RunData.normalization(config.data().normalize());
    return new RunArtifacts(config.model().arch(), headSpec(config.model().head(), classes.size()), weights, classes,
        normalization, Pipelines.eval(config.data(), normalization));
  }

  /** The head a config's {@code model.head} describes, for {@code classes} classes. */
  static HeadSpec headSpec(RunConfig.HeadConfig head, int classes) {
    return head.type().equals("mlp") ? HeadSpec.mlp(classes, head.pool(), head.hidden(), head.dropout().floatValue())
        : HeadSpec.linear(classes);
  }
}
