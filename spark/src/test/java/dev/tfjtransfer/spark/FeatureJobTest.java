package dev.tfjtransfer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.run.TrainingRun;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Features extracted on Spark, then a head trained on them with {@code data.format: features},
 * against {@code cache_features: true} training on the same images from the same backbone: the
 * same validation accuracy every epoch and nearly the same head weights (the Spark features come
 * from the SavedModel's in-graph decoding, whose pixels are within one level of the Java pipeline's).
 */
class FeatureJobTest {
  @Test
  void sparkFeaturesTrainTheHeadThatCachedFeaturesTrain() throws Exception {
    DemoExport demo = DemoExport.get();
    Path features = demo.dir.resolve("features");
    for (String split : List.of("train", "val")) {
      long[] counts = ImageJobs.extractFeatures(demo.spark, new ImageJobs.Input(demo.version.toString(),
          demo.data.resolve(split).toString(), "*.jpg", 8, 0), features.resolve(split).toString());
      assertEquals(0, counts[1], split + ": no error row");
    }
    List<Row> rows = demo.spark.read().parquet(features.resolve("train/parquet").toString()).collectAsList();
    assertEquals(3 * 8, rows.size());
    for (Row row : rows) {
      String folder = Path.of(java.net.URI.create(row.getAs("path"))).getParent().getFileName().toString();
      assertEquals(DemoDataset.CLASSES.indexOf(folder), (int) row.getAs("label"), row.toString());
      assertEquals(folder, row.getAs("class_name"));
      assertEquals(512, row.getList(row.fieldIndex("features")).size());
    }

    String backbone = demo.run.resolve("best.safetensors").toString();
    HeadRun onSparkFeatures = trainHead(demo, features, "features", backbone);
    HeadRun onCachedFeatures = trainHead(demo, demo.data, "imagefolder", backbone);
    assertEquals(onCachedFeatures.valAccuracies(), onSparkFeatures.valAccuracies());
    for (String name : List.of("fc.weight", "fc.bias")) {
      float[] a = onCachedFeatures.weights().get(name).floats();
      float[] b = onSparkFeatures.weights().get(name).floats();
      double max = 0;
      double scale = 0;
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      System.out.printf("%s: Spark features vs cache_features, max |difference| / max |weight| = %.2e%n", name,
          max / scale);
      assertTrue(max / scale < 1e-2, name + " differs by " + max / scale);
    }
  }

  private record HeadRun(StateDict weights, List<String> valAccuracies) {}

  /** Trains the head for 3 epochs on a frozen backbone (cache_features applies to images only). */
  private static HeadRun trainHead(DemoExport demo, Path root, String format, String backbone) throws Exception {
    int resize = DemoExport.SIZE * 256 / 224;
    String yaml = """
        model: {arch: resnet18, weights: %s}
        data:
          root: %s
          format: %s
          train_transforms: [{resize: {size: %d}}, {center_crop: {size: %d}}]
          val_transforms: [{resize: {size: %d}}, {center_crop: {size: %d}}]
          batch_size: 4
        freeze: [all-but-head]
        stages: [{epochs: 3, groups: [{lr: 0.002}], cache_features: true}]
        output_dir: %s
        seed: 5
        threads: 2
        """.formatted(backbone, root, format, resize, DemoExport.SIZE, resize, DemoExport.SIZE,
        demo.dir.resolve("head-runs"));
    TrainingRun.Outcome outcome = TrainingRun.start(ConfigLoader.parse(yaml, format, List.of()),
        new PrintStream(new ByteArrayOutputStream()), false);
    List<String> csv = Files.readAllLines(outcome.runDir().resolve("metrics.csv"));
    System.out.println(format + ":\n" + String.join("\n", csv));
    List<String> accuracies = csv.stream().skip(1).map(l -> l.split(",")).filter(c -> c[2].equals("val"))
        .map(c -> c[4]).toList();
    return new HeadRun(Safetensors.read(outcome.runDir().resolve("last.safetensors")), accuracies);
  }
}
