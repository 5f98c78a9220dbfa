package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
