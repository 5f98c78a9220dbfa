package dev.tfjtransfer.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decodes JPEG, PNG and BMP files to {@link RgbImage}, converting grayscale, palette and alpha
 * images to RGB as PIL's {@code convert("RGB")} does (alpha is dropped, not composited).
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  static {
    ImageIO.setUseCache(false); // decode in memory, never through temp files
  }

  public static RgbImage decode(Path file) throws IOException {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": not a readable image (" + e.getMessage() + ")", e);
    }
    if (image == null) {
      throw new IOException(file + ": not a readable image (no decoder recognises its " + Files.size(file)
          + " bytes)");
    }
    return toRgb(image);
  }

  static RgbImage toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] rgb = new byte[w * h * 3];
    switch (image.getType()) {
      case BufferedImage.TYPE_3BYTE_BGR -> {
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
          rgb[i] = bgr[i + 2];
          rgb[i + 1] = bgr[i + 1];
          rgb[i + 2] = bgr[i];
        }
      }
      case BufferedImage.TYPE_BYTE_GRAY -> {
        byte[] gray = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < gray.length; i++) {
          rgb[3 * i] = gray[i];
          rgb[3 * i + 1] = gray[i];
          rgb[3 * i + 2] = gray[i];
        }
      }
      default -> {
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < argb.length; i++) {
          rgb[3 * i] = (byte) (argb[i] >> 16);
          rgb[3 * i + 1] = (byte) (argb[i] >> 8);
          rgb[3 * i + 2] = (byte) argb[i];
        }
      }
    }
    return new RgbImage(w, h, rgb);
  }
}
