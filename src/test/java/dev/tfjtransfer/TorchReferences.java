package dev.tfjtransfer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reference files made by Debian's python3-torch (tests/parity/*.py), generated once into
 * target/ and reused by later test runs.
 */
public final class TorchReferences {
  private static final String PYTHON = "/usr/bin/python3";
  private static final String SHARED_HELPERS = "make_torchvision_refs.py";

  private TorchReferences() {}

  public static Path projectDir() {
    return Paths.get(System.getProperty("tfj.projectDir", ".")).toAbsolutePath();
  }

  /**
   * Runs {@code tests/parity/SCRIPT OUT_DIR} unless OUT_DIR/VERSION exists and is newer than the
   * script (an edited script regenerates), and returns OUT_DIR.
   */
  public static synchronized Path generate(String script, String outName) throws IOException, InterruptedException {
    Path out = projectDir().resolve("target").resolve(outName);
    Path version = out.resolve("VERSION");
    if (isFresh(version, script)) {
      return out;
    }
    Files.deleteIfExists(version);
    run(script, outName, List.of());
    return out;
  }

  /**
   * Runs {@code tests/parity/SCRIPT OUT_DIR ARGS...} now, for scripts that add to OUT_DIR only
   * what a test is missing, and returns OUT_DIR.
   */
  public static synchronized Path run(String script, String outName, List<String> args)
      throws IOException, InterruptedException {
    Path out = projectDir().resolve("target").resolve(outName);
    Path scriptPath = projectDir().resolve("tests/parity").resolve(script);
    if (!Files.isExecutable(Path.of(PYTHON))) {
      throw new IllegalStateException(PYTHON + " is missing: the parity references need Debian's python3-torch and"
          + " python3-torchvision (run tests/install-deps.sh)");
    }
    List<String> command = new ArrayList<>(List.of(PYTHON, scriptPath.toString(), out.toString()));
    command.addAll(args);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(projectDir().resolve("target").resolve(outName + ".log").toFile())
        .start();
    if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException(scriptPath + " failed; see target/" + outName + ".log (needs python3-torch,"
          + " python3-torchvision from apt: tests/install-deps.sh)");
    }
    return out;
  }

  /** Runs {@code tests/parity/SCRIPT ARGS...} (for inputs a test made itself) and returns its stdout lines. */
  public static List<String> run(String script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON,
        projectDir().resolve("tests/parity").resolve(script).toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("python-", ".log");
    try {
      Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
      String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(script + " failed: " + Files.readString(log));
      }
      return stdout.lines().toList();
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Whether {@code file} exists and is newer than {@code tests/parity/SCRIPT}. */
  public static boolean isFresh(Path file, String script) throws IOException {
    Path scriptPath = projectDir().resolve("tests/parity").resolve(script);
    return Files.exists(file)
        && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(scriptPath)) >= 0;
  }
}
