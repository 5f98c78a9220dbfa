package dev.tfjtransfer.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import dev.tfjtransfer.util.AtomicFiles;
import dev.tfjtransfer.util.Directories;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Generates the embedded default dataset: an ImageFolder with {@code train/} and {@code val/}
 * splits of three classes whose photos differ in shape, texture and colour (warm discs, cool
 * stripes, two-tone checkers) with random placement, scale, rotation, lighting and noise, as
 * 500x375 or 375x500 JPEGs. Small enough to train on in minutes, distinct enough to learn.
 */
public final class DemoDataset {
  public static final List<String> CLASSES = List.of("checkers", "discs", "stripes");

  private DemoDataset() {}

  /**
   * Writes the dataset under {@code root} (through a temporary directory renamed at the end, so
   * an interrupted run leaves nothing half-written). Does nothing if {@code root} exists.
   */
  public static void generate(Path root, int trainPerClass, int valPerClass, long seed) throws IOException {
    if (Files.isDirectory(root.resolve("train")) && Files.isDirectory(root.resolve("val"))) {
      return;
    }
    Directories.create(root.getParent() != null ? root.getParent() : root.toAbsolutePath().getParent());
    Path tmp = root.resolveSibling(root.getFileName() + ".tmp");
    Directories.deleteRecursively(tmp);
    SplittableRandom random = new SplittableRandom(seed);
    for (String split : List.of("train", "val")) {
      int count = split.equals("train") ? trainPerClass : valPerClass;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path dir = Directories.create(tmp.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < count; i++) {
          writeJpeg(photo(c, random.split()), dir.resolve(String.format("%s_%03d.jpg", CLASSES.get(c), i)));
        }
      }
    }
    try {
      Files.move(tmp, root);
    } catch (IOException e) {
      Directories.deleteRecursively(tmp);
      throw AtomicFiles.cannotWrite(root, e);
    }
  }

  static BufferedImage photo(int cls, SplittableRandom random) {
    boolean landscape = random.nextBoolean();
    int w = landscape ? 500 : 375;
    int h = landscape ? 375 : 500;
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    // background: a soft gradient in a random muted colour, as lighting would give
    g.setPaint(new GradientPaint(0, 0, muted(random), w, h, muted(random)));
    g.fillRect(0, 0, w, h);
    g.rotate(random.nextDouble(-0.5, 0.5), w / 2.0, h / 2.0);
    switch (CLASSES.get(cls)) {
      case "discs" -> drawDiscs(g, w, h, random);
      case "stripes" -> drawStripes(g, w, h, random);
      default -> drawCheckers(g, w, h, random);
    }
    g.dispose();
    addNoise(image, random);
    return image;
  }

  private static void drawDiscs(Graphics2D g, int w, int h, SplittableRandom random) {
    int count = random.nextInt(2, 6);
    for (int i = 0; i < count; i++) {
      double r = random.nextDouble(0.08, 0.22) * Math.min(w, h);
      g.setColor(hsb(random.nextDouble(-0.05, 0.12), random.nextDouble(0.6, 1), random.nextDouble(0.6, 1)));
      g.fill(new Ellipse2D.Double(random.nextDouble(0, w - r), random.nextDouble(0, h - r), r * 2, r * 2));
    }
  }

  private static void drawStripes(Graphics2D g, int w, int h, SplittableRandom random) {
    double period = random.nextDouble(18, 45);
    g.setStroke(new BasicStroke((float) (period * random.nextDouble(0.3, 0.6))));
    g.setColor(hsb(random.nextDouble(0.45, 0.7), random.nextDouble(0.5, 1), random.nextDouble(0.5, 1)));
    AffineTransform saved = g.getTransform();
    g.rotate(random.nextDouble(0, Math.PI), w / 2.0, h / 2.0);
    for (double x = -w; x < 2 * w; x += period) {
      g.drawLine((int) x, -h, (int) x, 2 * h);
    }
    g.setTransform(saved);
  }

  private static void drawCheckers(Graphics2D g, int w, int h, SplittableRandom random) {
    int cell = random.nextInt(20, 50);
    Color a = hsb(random.nextDouble(0.75, 0.9), random.nextDouble(0.5, 1), random.nextDouble(0.3, 0.7));
    Color b = hsb(random.nextDouble(0.12, 0.18), random.nextDouble(0.5, 1), random.nextDouble(0.7, 1));
    int x0 = random.nextInt(0, w / 3);
    int y0 = random.nextInt(0, h / 3);
    int cols = random.nextInt(4, 10);
    int rows = random.nextInt(4, 10);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        g.setColor((r + c) % 2 == 0 ? a : b);
        g.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
      }
    }
  }

  private static Color muted(SplittableRandom random) {
    return hsb(random.nextDouble(), random.nextDouble(0.05, 0.3), random.nextDouble(0.35, 0.85));
  }

  private static Color hsb(double hue, double saturation, double brightness) {
    return Color.getHSBColor((float) hue, (float) saturation, (float) brightness);
  }

  private static void addNoise(BufferedImage image, SplittableRandom random) {
    byte[] px = ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData();
    double sigma = random.nextDouble(3, 12);
    for (int i = 0; i < px.length; i++) {
      int v = (px[i] & 0xff) + (int) Math.round(random.nextGaussian() * sigma);
      px[i] = (byte) Math.max(0, Math.min(255, v));
    }
  }

  private static void writeJpeg(BufferedImage image, Path file) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(0.9f);
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    try (ImageOutputStream out = new MemoryCacheImageOutputStream(jpeg)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    try {
      // inside the temporary dataset directory, which is renamed whole: no rename per file needed
      Files.write(file, jpeg.toByteArray());
    } catch (IOException e) {
      throw AtomicFiles.cannotWrite(file, e);
    }
  }

}
