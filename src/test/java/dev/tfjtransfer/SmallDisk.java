package dev.tfjtransfer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real file system of {@code kilobytes}, for "No space left on device": a tmpfs mounted on a
 * directory (needs root with mount rights, as in the test container; a test is skipped where the
 * mount is refused). Unmounted on close.
 */
public final class SmallDisk implements AutoCloseable {
  private final Path mountPoint;

  private SmallDisk(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  public static SmallDisk mount(Path mountPoint, int kilobytes) throws IOException, InterruptedException {
    Files.createDirectories(mountPoint);
    int code = run("mount", "-t", "tmpfs", "-o", "size=" + kilobytes + "k", "tmpfs", mountPoint.toString());
    assumeTrue(code == 0, "mounting a tmpfs is not permitted here");
    return new SmallDisk(mountPoint);
  }

  public Path root() {
    return mountPoint;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run("umount", "-l", mountPoint.toString());
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
