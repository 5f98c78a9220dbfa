package dev.tfjtransfer.run;

import dev.tfjtransfer.config.TransformConfigs;
import dev.tfjtransfer.config.TransformConfig;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import java.util.List;

/** Builds a {@link Pipeline} from config transforms. */
final class Pipelines {
  private Pipelines() {}

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
