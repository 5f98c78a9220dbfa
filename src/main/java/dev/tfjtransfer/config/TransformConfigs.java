package dev.tfjtransfer.config;

import dev.tfjtransfer.data.ImageTransform;
import java.util.List;

/** Helpers over lists of {@link TransformConfig}. */
public final class TransformConfigs {
  private TransformConfigs() {}

  /** The side length the last size-fixing transform produces, or 0 if none does. */
  public static int outputSize(List<TransformConfig> transforms) {
    int size = 0;
    for (TransformConfig t : transforms) {
      int s = t.outputSize();
      if (s > 0) {
        size = s;
      } else if (t.resize() != null) {
        size = 0;
      }
    }
    return size;
  }

  public static List<ImageTransform> toTransforms(List<TransformConfig> transforms) {
    return transforms.stream().map(TransformConfig::toTransform).toList();
  }
}
