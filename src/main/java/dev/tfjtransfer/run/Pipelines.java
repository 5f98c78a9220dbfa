package dev.tfjtransfer.run;

import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.config.TransformConfigs;
import dev.tfjtransfer.config.TransformConfig;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import java.util.List;

/** Builds a {@link Pipeline} from config transforms. */
final class Pipelines {
  private Pipelines() {}

  /**
   * The eval transforms of a run: {@code data.val_transforms} and the resolved normalization. The
   * validation pass and the prediction grid use them while training, {@code predict --run} and
   * {@code export --run} read them back from the run's config.
   */
  static Pipeline eval(RunConfig.DataConfig data, Normalization normalization) {
    return of(data.valTransforms(), normalization, "data.val_transforms");
  }

  static Pipeline of(List<TransformConfig> transforms, Normalization normalization, String key) {
    int size = TransformConfigs.outputSize(transforms);
    if (size <= 0) {
      throw new IllegalArgumentException(key + " must end with random_resized_crop or center_crop so every image has"
          + " the same size");
    }
    return new Pipeline(TransformConfigs.toTransforms(transforms), normalization, size,
        TransformConfigs.toTensorTransforms(transforms, key));
  }
}
