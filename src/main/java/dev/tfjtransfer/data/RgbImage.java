package dev.tfjtransfer.data;

/**
 * An 8-bit RGB image, row-major, 3 interleaved bytes per pixel: what PIL's {@code convert("RGB")}
 * gives torchvision's transforms.
 */
public record RgbImage(int width, int height, byte[] pixels) {
  public RgbImage {
    if (width <= 0 || height <= 0 || pixels.length != width * height * 3) {
      throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs " + (width * height * 3)
          + " bytes; received: " + pixels.length);
    }
  }

  /** Channel {@code c} of pixel (x, y), 0..255. */
  public int get(int x, int y, int c) {
    return pixels[(y * width + x) * 3 + c] & 0xff;
  }
}
