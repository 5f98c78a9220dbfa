package dev.tfjtransfer.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed writes on a real file system: one line naming the target and the system's reason, the
 * previous content intact, no temporary left. The tests run as root, which permission bits do not
 * stop, so the failures come from the file system itself: a file where a directory is expected, a
 * directory where a file is expected, a full disk.
 */
class AtomicFilesTest {
  @TempDir
  Path dir;

  @Test
  void aFileWhereADirectoryIsExpectedIsNamed() throws Exception {
    Files.writeString(dir.resolve("runs"), "a file, not a directory");
    Path target = dir.resolve("runs/metrics.csv");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "epoch\n"));
    assertEquals(dir.resolve("runs") + ": cannot create directory: File exists", e.getMessage());

    Path deeper = dir.resolve("runs/run-1/metrics.csv");
    e = assertThrows(IOException.class, () -> AtomicFiles.writeString(deeper, "epoch\n"));
    assertEquals(dir.resolve("runs/run-1") + ": cannot create directory: Not a directory", e.getMessage());
    assertEquals(List.of("runs"), names(dir));
  }

  @Test
  void aDirectoryWhereAFileIsExpectedIsNamedAndKept() throws Exception {
    Path target = Files.createDirectories(dir.resolve("best.safetensors"));
    Files.writeString(target.resolve("inside"), "kept");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, new byte[] {1, 2, 3}));
    assertEquals(target + ": cannot write: Is a directory", e.getMessage());
    assertEquals("kept", Files.readString(target.resolve("inside")));
    assertEquals(List.of("best.safetensors"), names(dir));
  }

  @Test
  void aPipeIsNotReplacedByTheRename() throws Exception {
    Path fifo = dir.resolve("out.csv");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(fifo, "x"));
    assertEquals(fifo + ": cannot write: not a regular file", e.getMessage());
    assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "still the pipe");
  }

  @Test
  void aFullDiskIsNamedAndThePreviousFileSurvives() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 64)) {
      Path target = disk.root().resolve("last.safetensors");
      AtomicFiles.writeString(target, "the previous epoch");
      byte[] big = new byte[256 * 1024];
      IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, big));
      assertEquals(target + ": cannot write: No space left on device", e.getMessage());
      assertEquals("the previous epoch", Files.readString(target));
      assertEquals(List.of("last.safetensors"), names(disk.root()), "no temporary left");

      byte[] small = {7, 8, 9};
      AtomicFiles.write(target, small);
      assertArrayEquals(small, Files.readAllBytes(target), "the space of the failed write was given back");
    }
  }

  @Test
  void aSecondWriteReplacesTheFileWhole() throws Exception {
    Path target = dir.resolve("a/b/class_names.txt");
    AtomicFiles.writeLines(target, List.of("ants", "bees", "wasps"));
    AtomicFiles.writeLines(target, List.of("cats"));
    assertEquals(List.of("cats"), Files.readAllLines(target));
    assertFalse(Files.exists(dir.resolve("a/b/class_names.txt.tmp")));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
