package dev.tfjtransfer.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;


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

  /**
   * PIL's limit: it refuses images over {@code 2 * Image.MAX_IMAGE_PIXELS} (89,478,485) pixels as
   * decompression bombs; a 20000x20000 PNG of a few kilobytes would otherwise need gigabytes.
   */
  public static final long DEFAULT_MAX_PIXELS = 2 * 89_478_485L;

  /** {@link #decode(Path, long)} with {@link #DEFAULT_MAX_PIXELS}. */
  public static RgbImage decode(Path file) throws IOException {
    return decode(file, DEFAULT_MAX_PIXELS);
  }

  /**
   * Decodes {@code file}, refusing it before decoding when its header declares more than
   * {@code maxPixels} pixels, and refusing truncated files as PIL does ("image file is truncated").
   *
   * @throws IOException naming the file and why it cannot be used
   */
  public static RgbImage decode(Path file, long maxPixels) throws IOException {
    // a stream from the Path, not Path.toFile(): a File is built from the decoded name and cannot
    // open a file whose name is not valid in the platform encoding
    try (InputStream raw = Files.newInputStream(file);
        ImageInputStream in = new MemoryCacheImageInputStream(new BufferedInputStream(raw))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IOException(file + ": not a readable image (no decoder recognises its " + Files.size(file)
            + " bytes)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > maxPixels) {
          throw new IOException(file + ": " + reader.getWidth(0) + "x" + reader.getHeight(0) + " image (" + pixels
              + " pixels) is over the limit of " + maxPixels + " pixels (a possible decompression bomb;"
              + " max_image_pixels raises it)");
        }
        TruncationWarning truncation = new TruncationWarning();
        reader.addIIOReadWarningListener(truncation);
        BufferedImage image = reader.read(0);
        if (truncation.seen) {
          throw new IOException(file + ": image file is truncated (no end-of-image marker)");
        }
        return toRgb(image);
      } catch (OutOfMemoryError e) {
        throw new IOException(file + ": not enough memory to decode its " + reader.getWidth(0) + "x"
            + reader.getHeight(0) + " pixels (raise -Xmx or lower max_image_pixels)", e);
      } finally {
        reader.dispose();
      }
    } catch (NoSuchFileException e) {
      throw new IOException(file + ": cannot open (no such file)", e);
    } catch (AccessDeniedException e) {
      throw new IOException(file + ": cannot open (permission denied)", e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith(file.toString())) {
        throw io;
      }
      throw new IOException(file + ": not a readable image (" + reason(e) + ")", e);
    }
  }

  /** The innermost cause's message: Java's readers wrap "Is a directory" or an early end of file. */
  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof EOFException) {
      return "image file is truncated";
    }
    String outer = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return root == e || root.getMessage() == null ? outer : outer + ": " + root.getMessage();
  }

  /**
   * Java's JPEG reader fills a truncated file's missing rows with grey and only warns; PIL refuses
   * the file (its decoder runs out of data before the end-of-image marker), and so do we.
   */
  private static final class TruncationWarning implements IIOReadWarningListener {
    boolean seen;

    @Override
    public void warningOccurred(ImageReader source, String warning) {
      if (warning.contains("Truncated File") || warning.contains("Premature end of JPEG file")) {
        seen = true;
      }
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
