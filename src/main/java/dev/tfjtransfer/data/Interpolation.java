package dev.tfjtransfer.data;

/** The resampling filter of a resize, as torchvision's {@code InterpolationMode} / PIL's filters. */
public enum Interpolation {
  BILINEAR,
  BICUBIC
}
