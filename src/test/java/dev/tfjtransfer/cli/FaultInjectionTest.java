package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.JvmProcess;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.run.RunArtifacts;
import dev.tfjtransfer.run.TrainingRun;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a user meets, injected with real processes: two {@code train} and two {@code export}
 * commands at once into one directory (separate JVMs), SIGKILL in the middle of an export and of a
 * checkpoint write, and a run that diverges to NaN half-way. Small: resnet18 on 32x32 crops of
 * twelve demo photos.
 */
class FaultInjectionTest {
  private static final String CLASSES = String.join(",", DemoDataset.CLASSES);

  @TempDir
  static Path dir;
  static Path data;
  /** resnet18 with a 3-class head: the weights every export and run here starts from. */
  static Path weights;

  @BeforeAll
  static void fixtures() throws Exception {
    data = dir.resolve("data");
    DemoDataset.generate(data, 4, 2, 11);
    weights = dir.resolve("resnet18-3.safetensors");
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 32, 32, SessionOptions.defaults())) {
      model.initialize(5);
      Safetensors.write(model.stateDict(), weights);
    }
  }

  /** A run config: stages as YAML list items, 32x32 crops, one thread per JVM (two JVMs share 2 cores). */
  private static Path config(String name, Path outputDir, int batchSize, String freeze, String stages)
      throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, """
        model: {arch: resnet18, weights: %s}
        data:
          root: %s
          train_transforms: [{resize: {size: 36}}, {center_crop: {size: 32}}]
          val_transforms: [{resize: {size: 36}}, {center_crop: {size: 32}}]
          batch_size: %d
          workers: 1
        freeze: [%s]
        stages:
        %s
        output_dir: %s
        seed: 1
        threads: 1
        """.formatted(weights, data, batchSize, freeze, stages.indent(2), outputDir));
    return file;
  }

  @Test
  void twoTrainsStartedAtOnceIntoOneOutputDirEachGetTheirOwnRunDirectory() throws Exception {
    Path runs = dir.resolve("shared-runs");
    Path config = config("concurrent", runs, 8, "all-but-head", "- {name: head, epochs: 1, groups: [{lr: 0.01}]}");
    // the weights file widens the window between choosing a name and using it, as in the report
    List<JvmProcess> trains = new ArrayList<>();
    for (int seed : new int[] {101, 202}) {
      trains.add(JvmProcess.cli(dir, List.of("train", "--config", config.toString(), "--set", "seed=" + seed)));
    }
    List<Path> runDirs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      JvmProcess train = trains.get(i);
      assertEquals(0, train.waitFor(5), train.output());
      Path runDir = Path.of(find(train.output(), "-> (\\S+)\\n"));
      runDirs.add(runDir);
      // each run's own config and its own event files, never the other run's
      assertTrue(Files.readString(runDir.resolve("config.yaml")).contains("seed: " + (i == 0 ? 101 : 202)),
          runDir + ": " + Files.readString(runDir.resolve("config.yaml")));
      try (Stream<Path> events = Files.walk(runDir.resolve("tensorboard"))) {
        assertEquals(2, events.filter(p -> p.getFileName().toString().startsWith("events.out")).count(),
            "one event file per phase in " + runDir);
      }
    }
    assertNotEquals(runDirs.get(0), runDirs.get(1));
    assertEquals(Set.copyOf(runDirs), Set.copyOf(children(runs)));
  }

  /**
   * The same race in one JVM, where the two starts are microseconds apart and so always fall in
   * the same second, the one the run directory is named after.
   */
  @Test
  void twoRunsStartedAtOnceInOneJvmEachGetTheirOwnRunDirectory() throws Exception {
    Path runs = dir.resolve("threads-runs");
    Path config = config("threads", runs, 8, "all-but-head", "- {name: head, epochs: 1, groups: [{lr: 0.01}]}");
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
    List<java.util.concurrent.Future<Path>> starts = new ArrayList<>();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int seed : new int[] {303, 404}) {
        RunConfig run = ConfigLoader.load(config, List.of("seed=" + seed));
        starts.add(threads.submit(() -> {
          together.await();
          return TrainingRun.start(run, new PrintStream(java.io.OutputStream.nullOutputStream()), false).runDir();
        }));
      }
      Path first = starts.get(0).get();
      Path second = starts.get(1).get();
      assertNotEquals(first, second);
      assertTrue(Files.readString(first.resolve("config.yaml")).contains("seed: 303"));
      assertTrue(Files.readString(second.resolve("config.yaml")).contains("seed: 404"));
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void twoExportsAtOnceIntoOneModelDirectoryBecomeConsecutiveVersions() throws Exception {
    Path model = dir.resolve("concurrent-export/models/demo");
    List<JvmProcess> exports = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      exports.add(JvmProcess.cli(dir, exportArgs(model)));
    }
    Set<String> versions = new java.util.HashSet<>();
    for (JvmProcess export : exports) {
      assertEquals(0, export.waitFor(5), export.output());
    }
    for (JvmProcess export : exports) {
      versions.add(find(export.output(), "exported \\S+/(\\d+) "));
      assertEquals(model.getParent().resolve("models.config").toAbsolutePath().toString(),
          find(export.output(), "TF Serving config: (\\S+)"));
    }
    assertEquals(Set.of("1", "2"), versions);
    assertEquals(Set.of("1", "2"), names(model), "two complete versions and no temporary");
    for (String version : versions) {
      assertCompleteVersion(model.resolve(version));
    }
    assertTrue(Files.readString(model.getParent().resolve("models.config")).contains("name: 'demo'"));
  }

  @Test
  void exportKilledMidWayLeavesNoVersionAndTheNextExportRemovesItsTemporary() throws Exception {
    Path model = dir.resolve("killed-export/models/demo");
    JvmProcess victim = JvmProcess.cli(dir, exportArgs(model));
    // SIGKILL once the SavedModel is being written into the temporary directory
    Path temporary = waitFor(() -> Files.isDirectory(model) ? children(model).stream()
        .filter(p -> p.getFileName().toString().startsWith(".tmp-")).findFirst().orElse(null) : null, victim);
    victim.kill();
    assertTrue(Files.exists(temporary) && names(model).equals(Set.of(temporary.getFileName().toString())),
        "only the killed export's temporary, no version: " + names(model));
    assertTrue(temporary.getFileName().toString().endsWith("-" + victim.pid()), temporary.toString());

    JvmProcess next = JvmProcess.cli(dir, exportArgs(model));
    assertEquals(0, next.waitFor(5), next.output());
    assertEquals(Set.of("1"), names(model), "the dead process's temporary is gone");
    assertCompleteVersion(model.resolve("1"));
  }

  @Test
  void trainKilledDuringACheckpointWriteLeavesALoadableCheckpointAndResumes() throws Exception {
    Path runs = dir.resolve("killed-checkpoint");
    // everything trains, so last.safetensors (weights and momentum, 90 MB) takes a while to write
    Path config = config("killed-checkpoint", runs, 8, "none", "- {name: all, epochs: 5, groups: [{lr: 0.001}]}");
    JvmProcess victim = JvmProcess.cli(dir, List.of("train", "--config", config.toString()));
    Path run = waitFor(() -> Files.isDirectory(runs) && !children(runs).isEmpty() ? children(runs).get(0) : null,
        victim);
    // a rewrite of last.safetensors in progress: the previous epoch's file beside the new one's temporary
    waitFor(() -> Files.exists(run.resolve("last.safetensors")) && Files.exists(run.resolve("last.safetensors.tmp"))
        ? run : null, victim);
    victim.kill();

    StateDict last = Safetensors.read(run.resolve("last.safetensors"));
    assertTrue(last.firstNonFinite().isEmpty());
    Map<?, ?> state = new ObjectMapper().readValue(last.metadata().get("trainer_state"), Map.class);
    int epochsDone = (Integer) state.get("epochsDone");
    assertTrue(epochsDone < 5, "killed after epoch " + epochsDone);
    assertEquals(Set.of("fc.weight", "fc.bias"), Set.copyOf(Safetensors.read(run.resolve("best.safetensors")).names()
        .stream().filter(n -> n.startsWith("fc.")).toList()));

    JvmProcess resumed = JvmProcess.cli(dir, List.of("train", "--resume", run.toString()));
    assertEquals(0, resumed.waitFor(5), resumed.output());
    assertTrue(resumed.output().contains("restored epoch " + epochsDone), resumed.output());
    assertTrue(names(run).stream().noneMatch(n -> n.contains(".tmp")), "no partial file left: " + names(run));
    assertEquals(5, new ObjectMapper().readValue(Safetensors.read(run.resolve("last.safetensors")).metadata()
        .get("trainer_state"), Map.class).get("epochsDone"));
  }

  @Test
  void runDivergingToNanMidWayStopsNamingTheEpochAndKeepsFiniteCheckpoints() throws Exception {
    Path runs = dir.resolve("diverging");
    // lr 10 (the largest a config accepts) makes the weights overflow within a few epochs; with one
    // batch per epoch, each step's loss is computed before its update, so the validation after the
    // update is the first to see non-finite weights
    Path config = config("diverging", runs, 16, "all-but-head", """
        - {name: head, epochs: 1, groups: [{lr: 0.01}]}
        - {name: all, epochs: 8, unfreeze: [all], groups: [{lr: 10}]}""");
    JvmProcess train = JvmProcess.cli(dir, List.of("train", "--config", config.toString()));
    assertNotEquals(0, train.waitFor(5), train.output());
    int epoch = Integer.parseInt(find(train.output(), "error: training diverged in epoch (\\d+), val phase"));
    assertTrue(epoch >= 2, train.output());
    assertFalse(train.output().contains("done in"), train.output());

    Path run = children(runs).get(0);
    for (String file : List.of("last.safetensors", "best.safetensors")) {
      assertTrue(Safetensors.read(run.resolve(file)).firstNonFinite().isEmpty(), file + " is finite");
    }
    StateDict last = Safetensors.read(run.resolve("last.safetensors"));
    assertEquals(epoch - 1, new ObjectMapper().readValue(last.metadata().get("trainer_state"), Map.class)
        .get("epochsDone"), "the last checkpoint is the last finite epoch's");

    // a non-finite checkpoint (as an older version wrote) is refused, never resumed from
    float[] poisoned = last.get("fc.weight").floats().clone();
    poisoned[0] = Float.NaN;
    last.put("fc.weight", HostTensor.ofFloats(last.get("fc.weight").shape(), poisoned));
    Safetensors.write(last, run.resolve("last.safetensors"));
    IOException refused = assertThrows(IOException.class,
        () -> TrainingRun.resume(run, new PrintStream(java.io.OutputStream.nullOutputStream()), false));
    assertTrue(refused.getMessage().contains("last.safetensors") && refused.getMessage().contains("fc.weight")
        && refused.getMessage().contains("NaN"), refused.getMessage());
    // and export / predict --run refuse non-finite best weights
    StateDict best = Safetensors.read(run.resolve("best.safetensors"));
    best.put("fc.weight", HostTensor.ofFloats(best.get("fc.weight").shape(), poisoned));
    Safetensors.write(best, run.resolve("best.safetensors"));
    IOException notExported = assertThrows(IOException.class, () -> RunArtifacts.load(run));
    assertTrue(notExported.getMessage().contains("best.safetensors"), notExported.getMessage());
  }

  private static List<String> exportArgs(Path model) {
    return List.of("export", "--arch", "resnet18", "--num-classes", "3", "--weights", weights.toString(), "--classes",
        CLASSES, "--out", model.toString());
  }

  private static void assertCompleteVersion(Path version) {
    for (String file : List.of("saved_model.pb", "variables/variables.index", "assets.extra/class_names.txt")) {
      assertTrue(Files.isRegularFile(version.resolve(file)), version + " lacks " + file);
    }
  }

  private static String find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), "no " + regex + " in:\n" + text);
    return m.group(1);
  }

  private static List<Path> children(Path directory) {
    try (Stream<Path> list = Files.list(directory)) {
      return list.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> names(Path directory) {
    return Set.copyOf(children(directory).stream().map(p -> p.getFileName().toString()).toList());
  }

  /** Polls every millisecond until {@code probe} gives a value, failing if the process ends first. */
  private static <T> T waitFor(java.util.function.Supplier<T> probe, JvmProcess process) throws Exception {
    for (long deadline = System.nanoTime() + 300_000_000_000L; System.nanoTime() < deadline; ) {
      T value;
      try {
        value = probe.get();
      } catch (UncheckedIOException racedWithTheProcess) {
        value = null;
      }
      if (value != null) {
        return value;
      }
      assertTrue(process.isAlive(), "the process ended before the moment to kill it:\n" + process.output());
      Thread.sleep(1);
    }
    throw new AssertionError("timed out:\n" + process.output());
  }
}
