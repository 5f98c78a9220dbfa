package dev.tfjtransfer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.TreeSet;

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
   * Runs {@code tests/parity/SCRIPT OUT_DIR} unless OUT_DIR holds a complete run (VERSION) of the
   * current script, and returns OUT_DIR. The script's hash is kept beside the data, so a target/
   * made before a script gained cases is regenerated rather than read with files missing.
   */
  public static synchronized Path generate(String script, String outName) throws IOException, InterruptedException {
    Path out = projectDir().resolve("target").resolve(outName);
    String scriptsHash = scriptsHash(script);
    Path hashFile = projectDir().resolve("target").resolve(outName + ".scripts-sha256");
    if (Files.exists(out.resolve("VERSION")) && Files.exists(hashFile)
        && Files.readString(hashFile).equals(scriptsHash)) {
      return out;
    }
    Path scriptPath = projectDir().resolve("tests/parity").resolve(script);
    if (!Files.isExecutable(Path.of(PYTHON))) {
      throw new IllegalStateException(PYTHON + " is missing: the parity references need Debian's python3-torch and"
          + " python3-torchvision (run tests/install-deps.sh)");
    }
    Process process = new ProcessBuilder(PYTHON, scriptPath.toString(), out.toString())
        .redirectErrorStream(true)
        .redirectOutput(projectDir().resolve("target").resolve(outName + ".log").toFile())
        .start();
    if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException(scriptPath + " failed; see target/" + outName + ".log (needs python3-torch,"
          + " python3-torchvision from apt: tests/install-deps.sh)");
    }
    Files.writeString(hashFile, scriptsHash);
    return out;
  }

  /** SHA-256 over the script and make_torchvision_refs.py, whose helpers the other scripts import. */
  private static String scriptsHash(String script) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (String name : new TreeSet<>(List.of(script, SHARED_HELPERS))) {
      digest.update(name.getBytes(StandardCharsets.UTF_8));
      digest.update(Files.readAllBytes(projectDir().resolve("tests/parity").resolve(name)));
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
