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
    Files.createDirectories(parent);
    for (int i = 1; ; i++) {
      try {
        return Files.createDirectory(parent.resolve(i == 1 ? name : name + "-" + i));
      } catch (FileAlreadyExistsException taken) {
        // another run (or process) has it: try the next name
      }
    }
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
