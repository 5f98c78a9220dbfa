package dev.tfjtransfer.run;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.config.TransformConfig;
import dev.tfjtransfer.config.TransformConfigs;
import dev.tfjtransfer.data.BadImagePolicy;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished run directory gives to {@code predict} and {@code export}: the architecture and
 * head from its config, the best weights, the class names, the validation preprocessing (as a
 * pipeline and as the eval preset an exported graph runs), and how
 * the run reads images (its {@code data.bad_images} and {@code data.max_image_pixels}).
 */
public record RunArtifacts(String architecture, HeadSpec head, StateDict weights, List<String> classNames,
    Pipeline evalPipeline, EvalPreset evalPreset, BadImagePolicy badImages, long maxImagePixels) {

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
    Normalization normalization = RunData.normalization(config.data().normalize());
    List<TransformConfig> val = config.data().valTransforms();
    Pipeline eval = Pipelines.eval(config.data(), normalization);
    return new RunArtifacts(config.model().arch(), headSpec(config.model().head(), classes.size()), weights, classes, eval,
        evalPreset(val, normalization, ModelZoo.architecture(config.model().arch()).eval()),
        RunData.badImagePolicy(config.data()), config.data().maxImagePixels());
  }

  /**
   * The val transforms as Resize + CenterCrop; other val transforms have no graph form, so the
   * export resizes as the architecture's preset does, scaled to their output size.
   */
  private static EvalPreset evalPreset(List<TransformConfig> val, Normalization normalization, EvalPreset preset) {
    if (val.size() == 2 && val.get(0).resize() != null && val.get(1).centerCrop() != null) {
      return new EvalPreset(val.get(0).resize().size(), val.get(1).centerCrop().size(),
          val.get(0).resize().filter(), normalization);
    }
    int crop = TransformConfigs.outputSize(val);
    int resize = Math.round((float) crop * preset.resizeSize() / preset.cropSize());
    return new EvalPreset(resize, crop, preset.interpolation(), normalization);
  }

  /** The head a config's {@code model.head} describes, for {@code classes} classes. */
  static HeadSpec headSpec(RunConfig.HeadConfig head, int classes) {
    return head.type().equals("mlp") ? HeadSpec.mlp(classes, head.pool(), head.hidden(), head.dropout().floatValue())
        : HeadSpec.linear(classes);
  }
}
