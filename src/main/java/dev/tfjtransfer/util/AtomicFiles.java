package dev.tfjtransfer.util;

import java.awt.image.RenderedImage;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Every file the project writes goes through here: into a temporary sibling, flushed to disk,
 * then renamed over the target, so a reader (or a crash) never sees half of it. A failure leaves
 * no temporary behind and is one line naming the target and the system's reason, such as
 * {@code runs/demo/run-1/metrics.csv: cannot write: No space left on device}.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes a file's bytes to a stream. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  public static void write(Path file, byte[] content) throws IOException {
    write(file, out -> out.write(content));
  }

  public static void writeString(Path file, String content) throws IOException {
    write(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code image} as a PNG file (encoded in memory first: ImageIO would hide the system's reason). */
  public static void writePng(Path file, RenderedImage image) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(image, "png", png);
    write(file, png.toByteArray());
  }

  /** One line per element, each ending in a newline (as {@code Files.write(file, lines)}). */
  public static void writeLines(Path file, List<String> lines) throws IOException {
    StringBuilder text = new StringBuilder();
    lines.forEach(line -> text.append(line).append('\n'));
    writeString(file, text.toString());
  }

  /** Writes through {@code <name>.tmp}: a writer killed midway leaves it, and its next write replaces it. */
  public static void write(Path file, Content content) throws IOException {
    write(file, file.resolveSibling(file.getFileName() + ".tmp"), content);
  }

  /**
   * Writes through {@code tmp} (a sibling of {@code file}), for files that several processes may
   * write at once, each through a temporary of its own. Missing parent directories are created.
   */
  public static void write(Path file, Path tmp, Content content) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException(file + ": cannot write: Is a directory");
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      // a device or a pipe: the rename would replace it rather than write into it
      throw new IOException(file + ": cannot write: not a regular file");
    }
    Directories.create(file.getParent() != null ? file.getParent() : file.toAbsolutePath().getParent());
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        content.writeTo(out);
        out.flush();
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp, e);
      throw cannotWrite(file, e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(tmp, e);
      throw e;
    }
  }

  /** {@code file: cannot write: <the system's reason>}, keeping {@code e} as the cause. */
  public static IOException cannotWrite(Path file, IOException e) {
    if (e.getMessage() != null && e.getMessage().startsWith(file + ": cannot ")) {
      return e;
    }
    return new IOException(file + ": cannot write: " + reason(e), e);
  }

  /**
   * The system's reason alone ("No space left on device", "Not a directory"), without the path
   * Java puts in front of it; for Java's exception types that carry no reason, the system's words.
   */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException f) {
      if (f.getReason() != null) {
        return f.getReason();
      }
      return e instanceof NoSuchFileException ? "No such file or directory"
          : e instanceof AccessDeniedException ? "Permission denied"
          : e instanceof NotDirectoryException ? "Not a directory"
          : e instanceof DirectoryNotEmptyException ? "Directory not empty"
          : e instanceof FileAlreadyExistsException ? "File exists"
          : e.getClass().getSimpleName();
    }
    if (e.getMessage() != null) {
      return e.getMessage();
    }
    return e.getCause() instanceof IOException cause ? reason(cause) : e.getClass().getSimpleName();
  }

  private static void deleteQuietly(Path tmp, Throwable failure) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException cleanup) {
      failure.addSuppressed(cleanup);
    }
  }
}
