package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What real photo folders contain: broken files are skipped and counted (or fatal), odd formats decode. */
class BadImagesTest {
  @TempDir
  Path root;

  private ImageFolder folderWithBrokenFiles() throws IOException {
    ImageFolderTest.image(root.resolve("a/good1.jpg"), "jpeg");
    ImageFolderTest.image(root.resolve("a/good2.png"), "png");
    byte[] jpeg = Files.readAllBytes(root.resolve("a/good1.jpg"));
    Files.write(root.resolve("a/truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3));
    Files.writeString(root.resolve("a/garbage.png"), "this is not a PNG");
    ImageFolderTest.image(root.resolve("b/good3.jpg"), "jpeg");
    return ImageFolder.open(root);
  }

  private static Pipeline tiny() {
    return new Pipeline(List.of(Transforms.resize(8, 8)), Normalization.NONE, 8);
  }

  @Test
  void undecodableFilesAreSkippedAndCounted() throws Exception {
    try (DataLoader loader = DataLoader.builder(folderWithBrokenFiles(), tiny()).optBatchSize(5).optWorkers(2).build()) {
      List<Integer> labels = new ArrayList<>();
      try (DataLoader.Epoch epoch = loader.epoch(0)) {
        while (epoch.hasNext()) {
          for (int label : epoch.next().labels()) {
            labels.add(label);
          }
        }
      }
      assertEquals(2, loader.skippedImages(), "the garbage file and the truncated JPEG");
      assertEquals(3, labels.size());
    }
  }

  @Test
  void aBatchOfOnlyUnreadableImagesIsLeftOut() throws Exception {
    // sorted: a/garbage.png, a/good1.jpg, a/good2.png, a/truncated.jpg, b/good3.jpg; one image per batch
    ImageFolder folder = folderWithBrokenFiles();
    for (int workers : new int[] {0, 2}) {
      try (DataLoader loader = DataLoader.builder(folder, tiny()).optBatchSize(1).optWorkers(workers).build();
          DataLoader.Epoch epoch = loader.epoch(0)) {
        List<Integer> indices = new ArrayList<>();
        while (epoch.hasNext()) {
          Batch batch = epoch.next();
          assertEquals(1, batch.size(), "workers " + workers);
          indices.add(batch.indices()[0]);
        }
        assertEquals(List.of(1, 2, 4), indices, "workers " + workers);
      }
    }
  }

  @Test
  void anEpochWithoutOneReadableImageIsAnError() throws Exception {
    Files.writeString(Files.createDirectories(root.resolve("a")).resolve("garbage.png"), "this is not a PNG");
    Files.writeString(Files.createDirectories(root.resolve("b")).resolve("empty.jpg"), "");
    try (DataLoader loader = DataLoader.builder(ImageFolder.open(root), tiny()).optBatchSize(1).build();
        DataLoader.Epoch epoch = loader.epoch(0)) {
      UncheckedIOException e = assertThrows(UncheckedIOException.class, epoch::hasNext);
      assertEquals("none of the 2 images could be read (the first: " + root.resolve("a/garbage.png")
          + "); each was skipped as unreadable", e.getCause().getMessage());
    }
  }

  @Test
  void failPolicyStopsWithTheFileName() throws Exception {
    try (DataLoader loader = DataLoader.builder(folderWithBrokenFiles(), tiny()).optBatchSize(5)
        .optBadImages(BadImagePolicy.FAIL).build()) {
      UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> loader.epoch(0).next());
      assertTrue(e.getMessage().contains("garbage.png") || e.getMessage().contains("truncated.jpg"), e.getMessage());
    }
  }

  @Test
  void sixteenBitAndAlphaPngsDecodeLikePil() throws Exception {
    BufferedImage gray16 = new BufferedImage(4, 3, BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster raster = gray16.getRaster();
    raster.setSample(1, 2, 0, 0xABCD);
    ImageIO.write(gray16, "png", root.resolve("g16.png").toFile());
    RgbImage g = ImageDecoder.decode(root.resolve("g16.png"));
    assertEquals(List.of(0xAB, 0xAB, 0xAB), List.of(g.get(1, 2, 0), g.get(1, 2, 1), g.get(1, 2, 2)));

    BufferedImage argb = new BufferedImage(4, 3, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(2, 1, 0x10FF8040); // nearly transparent: PIL's convert("RGB") keeps the colour
    ImageIO.write(argb, "png", root.resolve("alpha.png").toFile());
    RgbImage a = ImageDecoder.decode(root.resolve("alpha.png"));
    assertEquals(List.of(0xFF, 0x80, 0x40), List.of(a.get(2, 1, 0), a.get(2, 1, 1), a.get(2, 1, 2)));
  }
}
