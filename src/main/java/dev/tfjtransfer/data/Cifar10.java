package dev.tfjtransfer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIFAR-10 binary version ({@code data_batch_1.bin} ... {@code data_batch_5.bin},
 * {@code test_batch.bin}): records of one label byte and 3072 pixel bytes, the red, green and blue
 * 32x32 planes in row-major order. Class names come from {@code batches.meta.txt} when present.
 */
public final class Cifar10 implements Dataset {
  public static final List<String> DEFAULT_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
      "frog", "horse", "ship", "truck");
  private static final int SIDE = 32;
  private static final int RECORD = 1 + 3 * SIDE * SIDE;

  private final List<String> classes;
  private final byte[][] records;
  private final String source;

  private Cifar10(List<String> classes, byte[][] records, String source) {
    this.classes = classes;
    this.records = records;
    this.source = source;
  }

  /** The 50,000 training images of {@code dir}'s five data batches. */
  public static Cifar10 train(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      files.add(dir.resolve("data_batch_" + i + ".bin"));
    }
    return read(dir, files);
  }

  /** The 10,000 test images. */
  public static Cifar10 test(Path dir) throws IOException {
    return read(dir, List.of(dir.resolve("test_batch.bin")));
  }

  public static Cifar10 read(Path dir, List<Path> files) throws IOException {
    List<String> classes = DEFAULT_CLASSES;
    Path meta = dir.resolve("batches.meta.txt");
    if (Files.isRegularFile(meta)) {
      classes = Files.readAllLines(meta).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
    List<byte[]> records = new ArrayList<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        throw new IOException(file + ": CIFAR-10 batch file is missing (expected the binary version's *.bin files)");
      }
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length == 0 || bytes.length % RECORD != 0) {
        throw new IOException(file + ": " + bytes.length + " bytes is not a whole number of " + RECORD
            + "-byte CIFAR-10 records");
      }
      for (int offset = 0; offset < bytes.length; offset += RECORD) {
        int label = bytes[offset] & 0xff;
        if (label >= classes.size()) {
          throw new IOException(file + ": record " + offset / RECORD + " has label " + label + ", expected 0.."
              + (classes.size() - 1));
        }
        records.add(java.util.Arrays.copyOfRange(bytes, offset, offset + RECORD));
      }
    }
    return new Cifar10(List.copyOf(classes), records.toArray(new byte[0][]), dir.toString());
  }

  @Override
  public int size() {
    return records.length;
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public int label(int index) {
    return records[index][0] & 0xff;
  }

  @Override
  public RgbImage image(int index) {
    byte[] record = records[index];
    int plane = SIDE * SIDE;
    byte[] rgb = new byte[plane * 3];
    for (int i = 0; i < plane; i++) {
      rgb[3 * i] = record[1 + i];
      rgb[3 * i + 1] = record[1 + plane + i];
      rgb[3 * i + 2] = record[1 + 2 * plane + i];
    }
    return new RgbImage(SIDE, SIDE, rgb);
  }

  @Override
  public String describe(int index) {
    return source + " record " + index;
  }
}
