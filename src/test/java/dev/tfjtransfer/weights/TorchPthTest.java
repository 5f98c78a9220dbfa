package dev.tfjtransfer.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad .pth input gets one clear error naming the file; no pickle can make the reader run code. */
class TorchPthTest {
  /** pickle of os.system("echo pwned"): GLOBAL, a string, TUPLE1, REDUCE. */
  private static final byte[] MALICIOUS = concat(new byte[] {(byte) 0x80, 2},
      "cos\nsystem\nq\000X\n\000\000\000echo pwnedq\001\205q\002Rq\003.".getBytes(StandardCharsets.ISO_8859_1));

  @TempDir
  Path dir;

  @Test
  void truncatedZipPthIsAClearError() throws Exception {
    Path refs = TorchReferences.generate("make_torchvision_refs.py", "parity-refs");
    Path cut = truncate(refs.resolve("resnet18-zip.pth"), 0.5);
    IOException e = assertThrows(IOException.class, () -> StateDict.read(cut));
    assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
  }

  @Test
  void truncatedLegacyPthIsAClearError() throws Exception {
    Path refs = TorchReferences.generate("make_torchvision_refs.py", "parity-refs");
    Path cut = truncate(refs.resolve("resnet18-legacy.pth"), 0.5);
    IOException e = assertThrows(IOException.class, () -> StateDict.read(cut));
    assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void fileThatIsNoWeightsFormatIsNamedAsSuch() throws Exception {
    Path file = dir.resolve("notes.pth");
    Files.writeString(file, "this is not a checkpoint");
    IOException e = assertThrows(IOException.class, () -> StateDict.read(file));
    assertTrue(e.getMessage().contains("notes.pth") && e.getMessage().contains("not a safetensors file, PyTorch zip"),
        e.getMessage());
  }

  @Test
  void legacyPickleCallingOsSystemIsRefused() throws Exception {
    Path file = dir.resolve("evil.pth");
    Files.write(file, MALICIOUS);
    IOException e = assertThrows(IOException.class, () -> StateDict.read(file));
    assertTrue(e.getMessage().contains("os.system") && e.getMessage().contains("refusing"), e.getMessage());
  }

  @Test
  void zipPickleCallingOsSystemIsRefused() throws Exception {
    Path file = dir.resolve("evil-zip.pth");
    try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("archive/data.pkl"));
      zip.write(MALICIOUS);
      zip.closeEntry();
    }
    IOException e = assertThrows(IOException.class, () -> StateDict.read(file));
    assertTrue(e.getMessage().contains("os.system") && e.getMessage().contains("evil-zip.pth"), e.getMessage());
  }

  private Path truncate(Path source, double fraction) throws IOException {
    byte[] bytes = Files.readAllBytes(source);
    Path cut = dir.resolve("cut-" + source.getFileName());
    Files.write(cut, java.util.Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
    return cut;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
