package dev.tfjtransfer.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged .h5 file is an error naming it, whatever jHDF throws, and jHDF's logging stays silent. */
class DamagedH5Test {
  @TempDir
  static Path dir;

  static byte[] intact;

  @BeforeAll
  static void file() throws Exception {
    intact = Files.readAllBytes(TorchReferences.generate("make_small_h5.py", "small-h5").resolve("small.h5"));
  }

  /**
   * 40 copies of an h5py file with 8 random bytes changed each: every failure names the file. (Some
   * later seeds declare a huge dataset that jHDF then reads for a minute: not what this pins.)
   */
  @Test
  void everyDamagedFileIsAnErrorNamingIt() throws Exception {
    Path file = dir.resolve("damaged.h5");
    int failures = 0;
    for (int seed = 0; seed < 40; seed++) {
      Random random = new Random(seed);
      byte[] damaged = intact.clone();
      for (int k = 0; k < 8; k++) {
        damaged[8 + random.nextInt(damaged.length - 8)] = (byte) random.nextInt(256);
      }
      Files.write(file, damaged);
      try {
        KerasH5.read(file);
      } catch (InvalidWeightsFileException e) {
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        failures++;
      }
    }
    assertTrue(failures > 8, "the damage is noticed often enough to mean something: " + failures);
  }

  /** As a user runs it: one error line on stderr, no SLF4J banner. */
  @Test
  void convertPrintsOneErrorLineAndNoLoggingBanner() throws Exception {
    Path file = dir.resolve("truncated.h5");
    Files.write(file, java.util.Arrays.copyOf(intact, intact.length / 3));
    Path err = dir.resolve("stderr.txt");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), "dev.tfjtransfer.cli.Main", "convert", "--in", file.toString(), "--out",
        dir.resolve("out.safetensors").toString()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    List<String> lines = Files.readAllLines(err);
    assertEquals(1, p.exitValue());
    assertEquals(1, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).startsWith("error: " + file), lines.get(0));
  }
}
