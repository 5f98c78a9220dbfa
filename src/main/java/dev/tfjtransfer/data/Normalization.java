package dev.tfjtransfer.data;

/**
 * {@code ToTensor()} followed by {@code Normalize(mean, std)}, written straight into an NHWC
 * float buffer: value = (byte / 255 - mean[c]) / std[c], in float32 like torch.
 */
public record Normalization(float[] mean, float[] std) {
  /** ImageNet statistics, as in the tutorial. */
  public static final Normalization IMAGENET =
      new Normalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

  /** ToTensor only (the CIFAR-10 seed): values in [0, 1]. */
  public static final Normalization NONE = new Normalization(new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f});

  public Normalization {
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("mean and std need 3 values (RGB); received: " + mean.length + " and "
          + std.length);
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std values must be positive; received: std=" + java.util.Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /**
   * The normalization recorded with converted weights ({@code normalize_mean} / {@code normalize_std}
   * metadata, e.g. Keras' caffe preprocessing), if any.
   */
  public static java.util.Optional<Normalization> fromMetadata(java.util.Map<String, String> metadata) {
    String mean = metadata.get("normalize_mean");
    String std = metadata.get("normalize_std");
    if (mean == null || std == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Normalization(parse(mean), parse(std)));
  }

  private static float[] parse(String csv) {
    String[] parts = csv.split(",");
    float[] values = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = Float.parseFloat(parts[i].trim());
    }
    return values;
  }

  /** Writes the image's normalized pixels to {@code dest[offset ...]} in HWC order. */
  public void write(RgbImage image, float[] dest, int offset) {
    byte[] px = image.pixels();
    float m0 = mean[0], m1 = mean[1], m2 = mean[2];
    float s0 = std[0], s1 = std[1], s2 = std[2];
    for (int i = 0; i < px.length; i += 3) {
      dest[offset + i] = ((px[i] & 0xff) / 255f - m0) / s0;
      dest[offset + i + 1] = ((px[i + 1] & 0xff) / 255f - m1) / s1;
      dest[offset + i + 2] = ((px[i + 2] & 0xff) / 255f - m2) / s2;
    }
  }
}
