package dev.tfjtransfer.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;


/**
 * Decodes JPEG, PNG and BMP files to {@link RgbImage} the way PIL's {@code convert("RGB")} sees
 * them: grayscale and palette images become RGB, alpha is dropped (not composited), 16-bit
 * channels keep their high byte, and CMYK JPEGs are converted with PIL's formula rather than
 * through Java's colour management (which gives different colours).
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  static {
    ImageIO.setUseCache(false); // decode in memory, never through temp files
  }

  public static RgbImage decode(Path file) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new IOException(file + ": cannot open");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IOException(file + ": not a readable image (no decoder recognises its " + Files.size(file)
            + " bytes)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return toRgb(reader.read(0));
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith(file.toString())) {
        throw io;
      }
      throw new IOException(file + ": not a readable image (" + e.getMessage() + ")", e);
    }
  }

  static RgbImage toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] rgb = new byte[w * h * 3];
    Raster raster = image.getRaster();
    int bands = raster.getNumBands();
    if (image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK && bands == 4) {
      return cmykToRgb(raster);
    }
    if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
      byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
      for (int i = 0; i < rgb.length; i += 3) {
        rgb[i] = bgr[i + 2];
        rgb[i + 1] = bgr[i + 1];
        rgb[i + 2] = bgr[i];
      }
    } else if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
      byte[] gray = ((DataBufferByte) raster.getDataBuffer()).getData();
      for (int i = 0; i < gray.length; i++) {
        rgb[3 * i] = gray[i];
        rgb[3 * i + 1] = gray[i];
        rgb[3 * i + 2] = gray[i];
      }
    } else if (raster.getDataBuffer().getDataType() == DataBuffer.TYPE_USHORT && image.getColorModel().getColorSpace()
        .getNumComponents() + (image.getColorModel().hasAlpha() ? 1 : 0) == bands) {
      // 16-bit samples: the high byte, as PIL reads 16-bit PNGs into 8-bit modes (no gamma mapping)
      int[] samples = raster.getPixels(0, 0, w, h, (int[]) null);
      for (int p = 0; p < w * h; p++) {
        for (int c = 0; c < 3; c++) {
          int band = bands >= 3 ? c : 0;
          rgb[3 * p + c] = (byte) (samples[p * bands + band] >> 8);
        }
      }
    } else {
      int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
      for (int i = 0; i < argb.length; i++) {
        rgb[3 * i] = (byte) (argb[i] >> 16);
        rgb[3 * i + 1] = (byte) (argb[i] >> 8);
        rgb[3 * i + 2] = (byte) argb[i];
      }
    }
    return new RgbImage(w, h, rgb);
  }

  /** Pillow's cmyk2rgb: r = (255 - k) - c * (255 - k) / 255, with its rounding. */
  static RgbImage cmykToRgb(Raster raster) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int[] stored = raster.getPixels(0, 0, w, h, (int[]) null);
    byte[] rgb = new byte[w * h * 3];
    for (int p = 0; p < w * h; p++) {
      int nk = 255 - stored[4 * p + 3];
      for (int c = 0; c < 3; c++) {
        int ink = stored[4 * p + c];
        int tmp = ink * nk + 128;
        int v = nk - (((tmp >> 8) + tmp) >> 8);
        rgb[3 * p + c] = (byte) Math.max(0, Math.min(255, v));
      }
    }
    return new RgbImage(w, h, rgb);
  }
}
