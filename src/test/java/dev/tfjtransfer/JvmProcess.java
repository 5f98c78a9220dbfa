package dev.tfjtransfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A class's {@code main} in a separate JVM on the test classpath, as a user would run the CLI,
 * with stdout and stderr going to a log file in the working directory: for tests that need real
 * parallel processes or a real SIGKILL.
 */
public final class JvmProcess {
  private final Process process;
  private final Path log;

  private JvmProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** {@code java -cp <test classpath> dev.tfjtransfer.cli.Main args...} in {@code workDir}. */
  public static JvmProcess cli(Path workDir, List<String> args) throws IOException {
    return start(workDir, "dev.tfjtransfer.cli.Main", args);
  }

  public static JvmProcess start(Path workDir, String mainClass, List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    Path log = Files.createTempFile(workDir, "jvm-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
    return new JvmProcess(builder.start(), log);
  }

  /** Waits for the process to end (at most {@code minutes}) and returns its exit code. */
  public int waitFor(int minutes) throws InterruptedException {
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("still running after " + minutes + " minutes:\n" + output());
    }
    return process.exitValue();
  }

  /** SIGKILL, as kill -9 does: no shutdown hook or finally block runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** What the process printed so far. */
  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
