package dev.tfjtransfer.data;

import java.util.SplittableRandom;

/**
 * A step on the normalized tensor, after ToTensor and Normalize, where torchvision's recipes put
 * {@code RandomErasing}. The tensor is one image, HWC floats at {@code offset}.
 */
public interface TensorTransform {
  void apply(float[] tensor, int offset, int height, int width, SplittableRandom random);
}
