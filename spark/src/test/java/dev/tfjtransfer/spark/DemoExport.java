package dev.tfjtransfer.spark;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.export.SavedModelExporter;
import dev.tfjtransfer.run.RunArtifacts;
import dev.tfjtransfer.run.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * What the Spark tests share, made once per test JVM: the demo dataset (small), a ResNet-18 run
 * trained on it for 2 epochs at 64x64, its SavedModel export, and a local[2] session.
 */
final class DemoExport {
  static final int SIZE = 64;
  private static DemoExport instance;

  final Path dir;
  final Path data;
  final Path run;
  final Path savedModels;
  final Path version;
  final SparkSession spark;
  final double sessionStartSeconds;

  private DemoExport(Path dir) throws Exception {
    this.dir = dir;
    data = dir.resolve("demo");
    DemoDataset.generate(data, 8, 4, 11);
    String yaml = """
        model: {arch: resnet18}
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: %d, scale: [0.5, 1.0]}}, {horizontal_flip: {p: 0.5}}]
          val_transforms: [{resize: {size: %d}}, {center_crop: {size: %d}}]
          batch_size: 8
          workers: 2
        stages: [{epochs: 2, groups: [{lr: 0.01}]}]
        output_dir: %s
        seed: 1
        threads: 2
        """.formatted(data, SIZE, SIZE * 256 / 224, SIZE, dir.resolve("runs"));
    run = TrainingRun.start(ConfigLoader.parse(yaml, "demo", List.of()),
        new PrintStream(new ByteArrayOutputStream()), false).runDir();
    RunArtifacts artifacts = RunArtifacts.load(run);
    savedModels = dir.resolve("savedmodels");
    version = SavedModelExporter.export(new SavedModelExporter.Spec(artifacts.architecture(), artifacts.head(),
        artifacts.weights(), artifacts.classNames(), artifacts.evalPreset()),
        savedModels.resolve("demo")).version();
    long start = System.nanoTime();
    spark = SparkSession.builder().master("local[2]").appName("tfj-transfer tests")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        .config("spark.local.dir", dir.resolve("spark-local").toString()).getOrCreate();
    sessionStartSeconds = (System.nanoTime() - start) / 1e9;
  }

  static synchronized DemoExport get() throws Exception {
    if (instance == null) {
      Path dir = Files.createTempDirectory("tfj-spark-test");
      instance = new DemoExport(dir);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        instance.spark.stop();
        deleteQuietly(dir);
      }));
    }
    return instance;
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      // a temp directory left behind is harmless
    }
  }
}
