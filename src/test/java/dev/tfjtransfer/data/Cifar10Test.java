package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary CIFAR-10 layout: a label byte, then the red, green and blue 32x32 planes. */
class Cifar10Test {
  @TempDir
  Path dir;

  private static byte[] record(int label, int seed) {
    byte[] r = new byte[3073];
    r[0] = (byte) label;
    for (int i = 1; i < r.length; i++) {
      r[i] = (byte) (seed + i);
    }
    return r;
  }

  @Test
  void readsLabelsAndPlanarPixels() throws Exception {
    java.io.ByteArrayOutputStream test = new java.io.ByteArrayOutputStream();
    test.writeBytes(record(3, 0));
    test.writeBytes(record(9, 50));
    Files.write(dir.resolve("test_batch.bin"), test.toByteArray());
    Cifar10 cifar = Cifar10.test(dir);
    assertEquals(2, cifar.size());
    assertEquals(Cifar10.DEFAULT_CLASSES, cifar.classes());
    assertEquals(List.of(3, 9), List.of(cifar.label(0), cifar.label(1)));
    RgbImage image = cifar.image(1);
    int x = 5;
    int y = 7;
    int offset = y * 32 + x;
    assertEquals((50 + 1 + offset) & 0xff, image.get(x, y, 0));
    assertEquals((50 + 1 + 1024 + offset) & 0xff, image.get(x, y, 1));
    assertEquals((50 + 1 + 2048 + offset) & 0xff, image.get(x, y, 2));
  }

  @Test
  void truncatedOrMissingBatchIsAClearError() throws Exception {
    Files.write(dir.resolve("test_batch.bin"), new byte[3073 + 100]);
    IOException e = assertThrows(IOException.class, () -> Cifar10.test(dir));
    assertTrue(e.getMessage().contains("test_batch.bin") && e.getMessage().contains("3073"), e.getMessage());
    IOException missing = assertThrows(IOException.class, () -> Cifar10.train(dir));
    assertTrue(missing.getMessage().contains("data_batch_1.bin"), missing.getMessage());
  }
}
