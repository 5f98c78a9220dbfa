package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.JvmProcess;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} killed with SIGKILL in the middle of its second stage, then {@code train --resume},
 * ends with the same weights, optimizer state and metrics as an uninterrupted run of the same
 * config and seed, in separate JVMs as a user would run them.
 */
class ResumeAfterKillTest {
  @TempDir
  Path dir;

  @Test
  void resumedRunEndsWhereTheUninterruptedRunEnds() throws Exception {
    Path data = dir.resolve("data");
    DemoDataset.generate(data, 8, 3, 9);
    Path configFile = dir.resolve("config.yaml");
    Files.writeString(configFile, TrainingRunTest.config(data, dir.resolve("runs-a"), 3));

    Path full = runToEnd(List.of("train", "--config", configFile.toString()), dir.resolve("runs-a"));

    Files.writeString(configFile, TrainingRunTest.config(data, dir.resolve("runs-b"), 3));
    JvmProcess victim = JvmProcess.cli(dir, List.of("train", "--config", configFile.toString()));
    Path interrupted = waitForRunDir(dir.resolve("runs-b"));
    // kill once epoch 2 (the first of stage 2) has been checkpointed, while epoch 3 trains
    waitUntil(() -> csvRows(interrupted) >= 6, victim);
    victim.kill();
    assertTrue(csvRows(interrupted) < 1 + 1 + 2 * 4, "the victim finished before it was killed");

    JvmProcess resumed = JvmProcess.cli(dir, List.of("train", "--resume", interrupted.toString()));
    assertEquals(0, resumed.waitFor(10), resumed.output());

    StateDict a = Safetensors.read(full.resolve("last.safetensors"));
    StateDict b = Safetensors.read(interrupted.resolve("last.safetensors"));
    assertEquals(a.names(), b.names());
    for (String name : a.names()) {
      if (a.get(name).dtype() == DType.I64) {
        assertEquals(a.get(name).longs()[0], b.get(name).longs()[0], name);
        continue;
      }
      double scale = Math.max(1e-6, Arrays4d.maxAbs(a.get(name).floats()));
      double error = Arrays4d.maxAbsDiff(a.get(name).floats(), b.get(name).floats()) / scale;
      assertTrue(error < 1e-4, name + " differs by " + error);
    }
    assertEquals(a.metadata().get("trainer_state"), b.metadata().get("trainer_state"));
    List<String> csvA = Files.readAllLines(full.resolve("metrics.csv"));
    List<String> csvB = Files.readAllLines(interrupted.resolve("metrics.csv"));
    assertEquals(withoutTimes(csvA), withoutTimes(csvB));
  }

  /** epoch, stage, phase and accuracy of every row (losses may differ in the last float digits). */
  private static List<String> withoutTimes(List<String> csv) {
    return csv.stream().skip(1).map(l -> l.split(",")).map(c -> c[0] + " " + c[1] + " " + c[2] + " " + c[4]).toList();
  }

  private static int csvRows(Path run) {
    try {
      Path csv = run.resolve("metrics.csv");
      return Files.exists(csv) ? Files.readAllLines(csv).size() : 0;
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  private Path runToEnd(List<String> args, Path outputDir) throws Exception {
    JvmProcess p = JvmProcess.cli(dir, args);
    assertEquals(0, p.waitFor(10), p.output());
    return waitForRunDir(outputDir);
  }

  private static Path waitForRunDir(Path outputDir) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (Files.isDirectory(outputDir)) {
        try (Stream<Path> runs = Files.list(outputDir)) {
          List<Path> found = runs.toList();
          if (!found.isEmpty()) {
            return found.get(0);
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no run directory in " + outputDir);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, JvmProcess process) throws Exception {
    for (int i = 0; i < 6000 && !condition.getAsBoolean(); i++) {
      assertTrue(process.isAlive(), "the training process ended early");
      Thread.sleep(20);
    }
  }
}
