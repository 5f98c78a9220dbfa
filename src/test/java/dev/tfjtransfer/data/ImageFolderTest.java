package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  @TempDir
  Path root;

  static void image(Path file, String format) throws IOException {
    Files.createDirectories(file.getParent());
    BufferedImage image = new BufferedImage(20, 10, BufferedImage.TYPE_3BYTE_BGR);
    image.setRGB(3, 4, 0x123456);
    ImageIO.write(image, format, file.toFile());
  }

  @Test
  void classesAreSortedSubdirectoriesAndOnlyImageExtensionsCount() throws Exception {
    image(root.resolve("zebra/b.JPG"), "jpeg");
    image(root.resolve("zebra/a.png"), "png");
    image(root.resolve("ant/x.Jpeg"), "jpeg");
    image(root.resolve("ant/y.bmp"), "bmp");
    Files.writeString(root.resolve("ant/notes.txt"), "not an image");
    Files.writeString(root.resolve("README"), "top-level files are not classes");
    ImageFolder folder = ImageFolder.open(root);
    assertEquals(List.of("ant", "zebra"), folder.classes());
    assertEquals(Map.of("ant", 0, "zebra", 1), folder.classToIndex());
    assertEquals(4, folder.size());
    assertEquals(List.of("x.Jpeg", "y.bmp", "a.png", "b.JPG"),
        List.of(0, 1, 2, 3).stream().map(i -> folder.file(i).getFileName().toString()).toList());
    assertEquals(List.of(0, 0, 1, 1), List.of(0, 1, 2, 3).stream().map(folder::label).toList());
    RgbImage decoded = folder.image(2);
    assertEquals(0x12, decoded.get(3, 4, 0));
    assertEquals(0x56, decoded.get(3, 4, 2));
  }

  @Test
  void emptyClassAndMissingDirectoryAreErrorsNamingThePath() throws Exception {
    image(root.resolve("cats/a.jpg"), "jpeg");
    Files.createDirectories(root.resolve("dogs"));
    Files.writeString(root.resolve("dogs/readme.txt"), "no images");
    IOException empty = assertThrows(IOException.class, () -> ImageFolder.open(root));
    assertTrue(empty.getMessage().startsWith(root.resolve("dogs").toString()) && empty.getMessage().contains("no jpg"),
        empty.getMessage());
    IOException missing = assertThrows(IOException.class, () -> ImageFolder.open(root.resolve("val")));
    assertTrue(missing.getMessage().contains("val") && missing.getMessage().contains("does not exist"),
        missing.getMessage());
  }

  /**
   * Splits built from links (a class directory linked in from elsewhere, a linked image) and a
   * file name that is not valid UTF-8 give torchvision's ImageFolder samples, and every one decodes.
   */
  @Test
  void linkedClassDirectoriesAndNonUtf8NamesGiveTorchvisionsSamples() throws Exception {
    Path store = root.resolve("store");
    image(store.resolve("bees/b1.jpg"), "jpeg");
    image(store.resolve("bees/nested/b2.png"), "png");
    image(root.resolve("other/x.jpg"), "jpeg");
    Path split = root.resolve("split");
    image(split.resolve("ants/a1.jpg"), "jpeg");
    Files.createSymbolicLink(split.resolve("ants/linked.jpg"), root.resolve("other/x.jpg"));
    Files.createSymbolicLink(split.resolve("bees"), store.resolve("bees"));
    // a Latin-1 byte (0xE9) in a name is not UTF-8: only a shell can write such a name from here
    Process cp = new ProcessBuilder("/bin/sh", "-c", "cp \"$1\" \"$2/$(printf 'caf\\351.jpg')\"", "sh",
        split.resolve("ants/a1.jpg").toString(), split.resolve("ants").toString()).start();
    assertEquals(0, cp.waitFor());

    ImageFolder folder = ImageFolder.open(split);
    List<String> java = new java.util.ArrayList<>();
    for (int i = 0; i < folder.size(); i++) {
      java.add(folder.label(i) + " " + split.relativize(folder.file(i)).toString().replace('\ufffd', '?'));
      assertEquals(20, folder.image(i).width(), folder.describe(i)); // every sample is readable
    }
    List<String> torchvision = TorchReferences.run("imagefolder_samples.py", split.toString()).stream()
        .map(line -> line.replace('\ufffd', '?')).toList();
    assertEquals(torchvision, java);
    assertEquals(5, folder.size());
  }

  @Test
  void symbolicLinkLoopIsAnErrorNamingTheLink() throws Exception {
    image(root.resolve("ants/a.jpg"), "jpeg");
    Files.createSymbolicLink(root.resolve("ants/again"), root);
    IOException e = assertThrows(IOException.class, () -> ImageFolder.open(root));
    assertTrue(e.getMessage().startsWith(root.resolve("ants/again").toString()) && e.getMessage().contains("loop"),
        e.getMessage());
  }
}
