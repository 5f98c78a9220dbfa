package dev.tfjtransfer.run;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.config.TransformConfigs;
import dev.tfjtransfer.data.BadImagePolicy;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished run directory gives to {@code predict} and {@code export}: the architecture and
 * head from its config, the best weights, the class names, the validation preprocessing, and how
 * the run reads images (its {@code data.bad_images} and {@code data.max_image_pixels}).
 */
public record RunArtifacts(String architecture, HeadSpec head, StateDict weights, List<String> classNames,
    Normalization normalization, Pipeline evalPipeline, BadImagePolicy badImages, long maxImagePixels) {

  public static RunArtifacts load(Path runDir) throws IOException {
    for (String file : List.of("config.yaml", "class_names.txt", Checkpoints.BEST)) {
      if (!Files.isRegularFile(runDir.resolve(file))) {
        throw new IOException(runDir + ": not a finished run directory (missing " + file + ")");
      }
    }
    RunConfig config = ConfigLoader.load(runDir.resolve("config.yaml"), List.of());
    List<String> classes = Files.readAllLines(runDir.resolve("class_names.txt")).stream()
        .filter(s -> !s.isBlank()).toList();
    StateDict weights = Checkpoints.readFinite(runDir.resolve(Checkpoints.BEST));
    weights.metadata().clear();
    RunConfig.HeadConfig h = config.model().head();
    HeadSpec head = h.type().equals("mlp") ? HeadSpec.mlp(classes.size(), h.pool(), h.hidden(), h.dropout().floatValue())
        : HeadSpec.linear(classes.size());
    Normalization normalization = RunData.normalization(config.data().normalize());
    Pipeline eval = new Pipeline(TransformConfigs.toTransforms(config.data().valTransforms()), normalization,
        TransformConfigs.outputSize(config.data().valTransforms()));
    return new RunArtifacts(config.model().arch(), head, weights, classes, normalization, eval,
        RunData.badImagePolicy(config.data()), config.data().maxImagePixels());
  }
}
