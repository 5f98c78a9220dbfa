package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.util.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A grid of normalized images with a caption each, as the tutorial's imshow of a training batch
 * and visualize_model of validation predictions (green when right, red when wrong). A caption
 * may have several lines ({@code \n}).
 */
public final class ImageGrid {
  private static final int CAPTION = 18;

  private ImageGrid() {}

  /** One image's caption and whether to draw it as correct (green), wrong (red) or neutral (null). */
  public record Caption(String text, Boolean correct) {}

  /**
   * Writes {@code count} images of an NHWC batch (normalized with {@code normalization}) with
   * their captions to a PNG, and returns the grid.
   */
  public static RgbImage write(Path file, float[] images, int size, int count, List<Caption> captions,
      Normalization normalization) throws IOException {
    int columns = Math.min(count, 4);
    int rows = (count + columns - 1) / columns;
    int lines = captions.stream().mapToInt(c -> c.text().split("\n").length).max().orElse(1);
    int captionHeight = lines * CAPTION;
    BufferedImage grid = new BufferedImage(columns * size, rows * (size + captionHeight), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grid.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    int per = size * size * 3;
    for (int i = 0; i < count; i++) {
      int x0 = (i % columns) * size;
      int y0 = (i / columns) * (size + captionHeight);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int o = i * per + (y * size + x) * 3;
          grid.setRGB(x0 + x, y0 + captionHeight + y, (pixel(images[o], normalization, 0) << 16)
              | (pixel(images[o + 1], normalization, 1) << 8) | pixel(images[o + 2], normalization, 2));
        }
      }
      Caption caption = captions.get(i);
      g.setColor(caption.correct() == null ? Color.BLACK : caption.correct() ? new Color(0, 130, 0) : Color.RED);
      g.setClip(x0, y0, size, captionHeight); // a long caption stops at its own tile
      String[] captionLines = caption.text().split("\n");
      for (int line = 0; line < captionLines.length; line++) {
        g.drawString(captionLines[line], x0 + 4, y0 + (line + 1) * CAPTION - 4);
      }
      g.setClip(null);
    }
    g.dispose();
    AtomicFiles.writePng(file, grid);
    return rgb(grid);
  }

  private static RgbImage rgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    byte[] px = new byte[w * h * 3];
    for (int i = 0; i < argb.length; i++) {
      px[3 * i] = (byte) (argb[i] >> 16);
      px[3 * i + 1] = (byte) (argb[i] >> 8);
      px[3 * i + 2] = (byte) argb[i];
    }
    return new RgbImage(w, h, px);
  }

  private static int pixel(float normalized, Normalization n, int channel) {
    double v = (normalized * n.std()[channel] + n.mean()[channel]) * 255;
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }
}
