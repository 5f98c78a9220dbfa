package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files made to hurt a decoder: a decompression bomb (a 20000x20000 PNG of about 60 KB that would
 * need 1.2 GB as RGB) and truncated JPEGs and PNGs. Each is refused with a message naming the file,
 * PIL refuses the same files, and the loaders' bad-image policy applies to them.
 */
class HostileImagesTest {
  private static final int BOMB_SIDE = 20_000;

  @TempDir
  static Path dir;

  static Path photoJpeg;
  static Path photoPng;
  static Path bomb;
  static Path halfJpeg;
  static Path jpegWithoutEndMarker;
  static Path halfPng;
  static Path pngWithoutEndChunk;

  @BeforeAll
  static void files() throws IOException {
    BufferedImage photo = new BufferedImage(160, 120, BufferedImage.TYPE_3BYTE_BGR);
    Random random = new Random(7);
    for (int y = 0; y < photo.getHeight(); y++) {
      for (int x = 0; x < photo.getWidth(); x++) {
        photo.setRGB(x, y, random.nextInt(0x1000000));
      }
    }
    photoJpeg = dir.resolve("photo.jpg");
    photoPng = dir.resolve("photo.png");
    ImageIO.write(photo, "jpeg", photoJpeg.toFile());
    ImageIO.write(photo, "png", photoPng.toFile());
    byte[] jpeg = Files.readAllBytes(photoJpeg);
    byte[] png = Files.readAllBytes(photoPng);
    halfJpeg = Files.write(dir.resolve("half.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
    jpegWithoutEndMarker = Files.write(dir.resolve("no-eoi.jpg"), Arrays.copyOf(jpeg, jpeg.length - 2));
    halfPng = Files.write(dir.resolve("half.png"), Arrays.copyOf(png, png.length / 2));
    // the 12-byte IEND chunk carries no pixels: PIL and Java both read the image without it
    pngWithoutEndChunk = Files.write(dir.resolve("no-iend.png"), Arrays.copyOf(png, png.length - 12));
    bomb = dir.resolve("bomb.png");
    writeBlackPng(bomb, BOMB_SIDE, BOMB_SIDE);
  }

  /** A 1-bit grayscale PNG written chunk by chunk: 50 MB of zero rows deflate to about 60 KB. */
  static void writeBlackPng(Path file, int width, int height) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(header);
    h.writeInt(width);
    h.writeInt(height);
    h.write(new byte[] {1, 0, 0, 0, 0}); // bit depth 1, grayscale, deflate, no filter method, no interlace
    chunk(png, "IHDR", header.toByteArray());
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(data, new Deflater(9))) {
      byte[] row = new byte[1 + (width + 7) / 8]; // filter type 0, then the packed pixels
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    }
    chunk(png, "IDAT", data.toByteArray());
    chunk(png, "IEND", new byte[0]);
    Files.write(file, png.toByteArray());
  }

  private static void chunk(ByteArrayOutputStream png, String type, byte[] body) throws IOException {
    DataOutputStream out = new DataOutputStream(png);
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(body.length);
    out.write(typeBytes);
    out.write(body);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(body);
    out.writeInt((int) crc.getValue());
  }

  @Test
  void decompressionBombIsRefusedFromItsHeaderNamingFileAndSize() throws Exception {
    assertTrue(Files.size(bomb) < 200_000, "the bomb is small on disk: " + Files.size(bomb));
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(bomb));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(e.getMessage().startsWith(bomb.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("20000x20000") && e.getMessage().contains("400000000 pixels")
        && e.getMessage().contains("178956970"), e.getMessage());
    assertTrue(seconds < 2, "refused from the header, without decoding: " + seconds + " s");
  }

  @Test
  void pixelLimitIsConfigurableAndInclusive() throws Exception {
    ImageFolderTest.image(dir.resolve("limit/a/small.png"), "png"); // 20x10 = 200 pixels
    ImageFolder atLimit = ImageFolder.open(dir.resolve("limit"), 200);
    assertEquals(20, atLimit.image(0).width());
    ImageFolder belowLimit = ImageFolder.open(dir.resolve("limit"), 199);
    IOException e = assertThrows(IOException.class, () -> belowLimit.image(0));
    assertTrue(e.getMessage().contains("small.png") && e.getMessage().contains("20x10"), e.getMessage());
  }

  @Test
  void truncatedJpegAndPngAreUnreadableNamingTheFile() {
    for (Path truncated : List.of(halfJpeg, jpegWithoutEndMarker, halfPng)) {
      IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(truncated), truncated.toString());
      assertTrue(e.getMessage().startsWith(truncated.toString()) && e.getMessage().contains("truncated"),
          e.getMessage());
    }
  }

  /** The same files are readable in Java and in PIL (Image.open + convert("RGB")), with the same size. */
  @Test
  void javaAndPilRefuseTheSameFiles() throws Exception {
    List<Path> files = List.of(photoJpeg, photoPng, bomb, halfJpeg, jpegWithoutEndMarker, halfPng,
        pngWithoutEndChunk);
    List<String> pil = TorchReferences.run("pil_verdicts.py", files.stream().map(Path::toString)
        .toArray(String[]::new));
    assertEquals(files.size(), pil.size(), pil.toString());
    List<String> java = new ArrayList<>();
    for (Path file : files) {
      try {
        RgbImage image = ImageDecoder.decode(file);
        java.add("ok " + image.width() + "x" + image.height());
      } catch (IOException e) {
        java.add("refused");
      }
    }
    List<String> pilShort = pil.stream().map(v -> v.startsWith("refused") ? "refused" : v).toList();
    assertEquals(pilShort, java, "PIL: " + pil);
    assertTrue(pil.get(2).contains("DecompressionBombError"), pil.get(2));
    assertTrue(pil.get(3).contains("truncated"), pil.get(3));
  }

  @Test
  void badImagePolicyAppliesToBombsAndTruncatedFiles() throws Exception {
    Path root = dir.resolve("folder");
    ImageFolderTest.image(root.resolve("a/good.jpg"), "jpeg");
    ImageFolderTest.image(root.resolve("b/good.png"), "png");
    Files.copy(bomb, root.resolve("a/bomb.png"));
    Files.copy(halfJpeg, root.resolve("b/half.jpg"));
    Pipeline tiny = new Pipeline(List.of(Transforms.resize(8, 8)), Normalization.NONE, 8);
    try (DataLoader loader = DataLoader.builder(ImageFolder.open(root), tiny).optBatchSize(4).build()) {
      Batch batch = loader.epoch(0).next();
      assertEquals(2, batch.size());
      assertEquals(2, loader.skippedImages());
    }
    try (DataLoader loader = DataLoader.builder(ImageFolder.open(root), tiny).optBatchSize(4)
        .optBadImages(BadImagePolicy.FAIL).build()) {
      UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> loader.epoch(0).next());
      assertTrue(e.getMessage().contains("bomb.png") && e.getMessage().contains("20000x20000"), e.getMessage());
    }
  }
}
