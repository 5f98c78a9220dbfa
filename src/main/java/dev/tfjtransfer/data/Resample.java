package dev.tfjtransfer.data;

/**
 * The sampling of rotations and affine warps ({@code Image.transform} in PIL): torchvision's
 * {@code InterpolationMode.NEAREST} (its default for these) or {@code BILINEAR}.
 */
public enum Resample {
  NEAREST,
  BILINEAR
}
