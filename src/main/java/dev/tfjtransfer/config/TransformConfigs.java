package dev.tfjtransfer.config;

import dev.tfjtransfer.data.ImageTransform;
import dev.tfjtransfer.data.TensorTransform;
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

  /** The image transforms, in order. */
  public static List<ImageTransform> toTransforms(List<TransformConfig> transforms) {
    return transforms.stream().filter(t -> !t.isTensorTransform()).map(TransformConfig::toTransform).toList();
  }

  /**
   * The transforms on the normalized tensor (random_erasing), which must follow every image
   * transform, as RandomErasing follows ToTensor and Normalize in torchvision's recipes.
   */
  public static List<TensorTransform> toTensorTransforms(List<TransformConfig> transforms, String key) {
    boolean tensorSeen = false;
    for (TransformConfig t : transforms) {
      if (t.isTensorTransform()) {
        tensorSeen = true;
      } else if (tensorSeen) {
        throw new IllegalArgumentException(key + ": random_erasing works on the normalized tensor and must come"
            + " after every image transform");
      }
    }
    return transforms.stream().filter(TransformConfig::isTensorTransform).map(TransformConfig::toTensorTransform)
        .toList();
  }
}
