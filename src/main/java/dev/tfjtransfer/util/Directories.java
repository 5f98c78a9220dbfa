package dev.tfjtransfer.util;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory helpers for writing outputs through temporary directories. */
public final class Directories {
  private Directories() {}

  /**
   * Creates {@code parent/name}, or {@code parent/name-2}, {@code name-3}, ... if it exists, with
   * a mkdir that fails when the directory exists, so two processes never get the same directory.
   */
  public static Path createUnique(Path parent, String name) throws IOException {
    create(parent);
    for (int i = 1; ; i++) {
      Path dir = parent.resolve(i == 1 ? name : name + "-" + i);
      try {
        return Files.createDirectory(dir);
      } catch (FileAlreadyExistsException taken) {
        // another run (or process) has it: try the next name
      } catch (IOException e) {
        throw cannotCreate(dir, e);
      }
    }
  }

  /**
   * {@code Files.createDirectories}, failing with one line that names the directory and the
   * system's reason ({@code out/model: cannot create directory: Not a directory}).
   */
  public static Path create(Path dir) throws IOException {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw cannotCreate(dir, e);
    }
  }

  private static IOException cannotCreate(Path dir, IOException e) {
    // "File exists" is about the path component that is a file, which need not be dir itself
    Object name = e instanceof FileAlreadyExistsException exists && exists.getFile() != null ? exists.getFile() : dir;
    return new IOException(name + ": cannot create directory: " + AtomicFiles.reason(e), e);
  }

  /** Deletes {@code dir} and everything below it; nothing if it does not exist. */
  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Deletes {@code dir} if it is empty; a directory something was written into stays. */
  public static void deleteIfEmpty(Path dir) throws IOException {
    try {
      Files.deleteIfExists(dir);
    } catch (DirectoryNotEmptyException inUse) {
      // holds another export's or run's files
    }
  }
}
