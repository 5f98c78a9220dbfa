package dev.tfjtransfer.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * The confusion matrix as two heat maps side by side: counts, and rows divided by their sums
 * (recall on the diagonal). Both are shaded by the row-normalized value, so a class with few
 * images is as visible as a large one; rows are true classes, columns predicted ones.
 */
public final class ConfusionMatrixPlot {
  private static final int MARGIN = 16;
  private static final int TITLE = 28;
  private static final String[] TITLES = {"counts (rows: true class)", "row-normalized (recall on the diagonal)"};

  private ConfusionMatrixPlot() {}

  public static BufferedImage draw(ClassificationMetrics metrics) {
    List<String> classes = metrics.classes();
    int n = classes.size();
    int cell = Math.max(14, Math.min(56, 640 / Math.max(1, n)));
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, Math.min(13, cell / 3)));
    FontMetrics fm = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics().getFontMetrics(font);
    int label = classes.stream().mapToInt(fm::stringWidth).max().orElse(0) + 8;
    Font titleFont = font.deriveFont(Font.BOLD, font.getSize() + 2f);
    int titleWidth = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics().getFontMetrics(titleFont)
        .stringWidth(TITLES[1]);
    int panel = Math.max(label + n * cell, titleWidth);
    int width = MARGIN + panel + 2 * MARGIN + panel + MARGIN;
    int height = TITLE + n * cell + label + 2 * fm.getHeight() + MARGIN;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(font);
    long[][] counts = metrics.confusionMatrix();
    double[][] normalized = metrics.rowNormalizedConfusionMatrix();
    boolean annotate = cell >= 24;
    for (int side = 0; side < 2; side++) {
      int x0 = MARGIN + side * (panel + 2 * MARGIN) + label;
      int y0 = TITLE;
      g.setColor(Color.BLACK);
      g.setFont(titleFont);
      g.drawString(TITLES[side], x0 - label, TITLE - 10);
      g.setFont(font);
      for (int t = 0; t < n; t++) {
        for (int p = 0; p < n; p++) {
          double v = normalized[t][p];
          g.setColor(shade(v));
          g.fillRect(x0 + p * cell, y0 + t * cell, cell, cell);
          if (annotate) {
            String text = side == 0 ? Long.toString(counts[t][p]) : String.format(Locale.ROOT, "%.2f", v);
            g.setColor(v > 0.5 ? Color.WHITE : Color.BLACK);
            g.drawString(text, x0 + p * cell + (cell - fm.stringWidth(text)) / 2,
                y0 + t * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
          }
        }
        g.setColor(Color.BLACK);
        g.drawString(classes.get(t), x0 - label + label - 6 - fm.stringWidth(classes.get(t)),
            y0 + t * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
      }
      g.setColor(Color.GRAY);
      g.drawRect(x0, y0, n * cell, n * cell);
      // predicted-class labels written downwards under the columns
      AffineTransform saved = g.getTransform();
      for (int p = 0; p < n; p++) {
        g.setTransform(saved);
        g.translate(x0 + p * cell + (cell + fm.getAscent()) / 2 - 2, y0 + n * cell + 6);
        g.rotate(Math.PI / 2);
        g.setColor(Color.BLACK);
        g.drawString(classes.get(p), 0, 0);
      }
      g.setTransform(saved);
      g.drawString("predicted", x0 + (n * cell - fm.stringWidth("predicted")) / 2, y0 + n * cell + label
          + fm.getHeight());
    }
    g.dispose();
    return image;
  }

  /** White to dark blue, like matplotlib's Blues. */
  private static Color shade(double v) {
    double t = Math.max(0, Math.min(1, v));
    return new Color((int) Math.round(247 - t * (247 - 8)), (int) Math.round(251 - t * (251 - 48)),
        (int) Math.round(255 - t * (255 - 107)));
  }
}
