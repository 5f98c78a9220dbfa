package dev.tfjtransfer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.infer.Prediction;
import dev.tfjtransfer.infer.Predictor;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.run.RunArtifacts;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.types.TString;

/**
 * A local[2] session scores the demo validation images (in class folders, read recursively) with
 * the exported SavedModel: the same top-1 as {@code predict} (the run's weights on the Java
 * pipeline), and the probabilities of the SavedModel called image by image in a plain loop; a file
 * that is not an image becomes an error row.
 */
class ScoreJobTest {
  @Test
  void scoresEveryImageLikePredictAndTurnsAnUnreadableFileIntoAnErrorRow() throws Exception {
    DemoExport demo = DemoExport.get();
    Path val = demo.data.resolve("val");
    Path broken = val.resolve("discs").resolve("zz_truncated.jpg");
    byte[] someJpeg = Files.readAllBytes(val.resolve("discs").resolve("discs_000.jpg"));
    Files.write(broken, java.util.Arrays.copyOf(someJpeg, 200));
    List<Path> images;
    try (Stream<Path> walk = Files.walk(val)) {
      images = walk.filter(p -> p.toString().endsWith(".jpg") && !p.equals(broken)).sorted().toList();
    }
    try {
      String out = demo.dir.resolve("scores").toString();
      long start = System.nanoTime();
      ImageJobs.score(demo.spark, new ImageJobs.Input(demo.version.toString(), val.toString(), "*.jpg", 4, 0), 2)
          .write().parquet(out);
      double sparkSeconds = (System.nanoTime() - start) / 1e9;
      Map<String, Row> rows = new HashMap<>();
      for (Row row : demo.spark.read().parquet(out).collectAsList()) {
        rows.put(Path.of(java.net.URI.create(row.getAs("path"))).toString(), row);
      }
      assertEquals(images.size() + 1, rows.size(), rows.keySet().toString());

      Row error = rows.get(broken.toString());
      assertNotNull(error.getAs("error"), "the truncated file has an error");
      assertNull(error.getAs("class_id"));
      System.out.println("error row: " + error.getAs("error"));

      List<Prediction> predicted = predict(demo.run, images);
      List<float[]> plain = new ArrayList<>();
      long loopStart = System.nanoTime();
      try (SavedModelBundle bundle = SavedModelBundle.load(demo.version.toString(), "serve")) {
        for (Path image : images) {
          plain.add(servingBytes(bundle, Files.readAllBytes(image)));
        }
      }
      double loopSeconds = (System.nanoTime() - loopStart) / 1e9;
      double maxVsLoop = 0;
      double maxVsPredict = 0;
      List<String> classes = Files.readAllLines(demo.run.resolve("class_names.txt"));
      for (int i = 0; i < images.size(); i++) {
        Row row = rows.get(images.get(i).toString());
        assertNull(row.getAs("error"), images.get(i) + ": " + row.getAs("error"));
        List<Float> probabilities = row.getList(row.fieldIndex("probabilities"));
        int top1 = row.getAs("class_id");
        assertEquals(predicted.get(i).argmax(), top1, images.get(i) + ": Spark's top-1 differs from predict's");
        assertEquals(classes.get(top1), row.getAs("class_name"));
        for (int c = 0; c < probabilities.size(); c++) {
          maxVsLoop = Math.max(maxVsLoop, Math.abs(probabilities.get(c) - plain.get(i)[c]));
          maxVsPredict = Math.max(maxVsPredict, Math.abs(probabilities.get(c) - predicted.get(i).probabilities()[c]));
        }
        List<Row> topK = row.getList(row.fieldIndex("top_k"));
        assertEquals(2, topK.size());
        assertEquals(top1, (int) topK.get(0).getAs("class_id"));
        assertEquals(probabilities.get(top1), topK.get(0).getAs("probability"));
        assertTrue((float) topK.get(0).getAs("probability") >= (float) topK.get(1).getAs("probability"));
      }
      assertTrue(maxVsLoop <= 1e-5, "probabilities differ from the plain loop's by " + maxVsLoop);
      System.out.printf("%d images: Spark local[2] %.2fs (%.1f img/s, including the model load and Parquet write),"
          + " plain loop %.2fs (%.1f img/s); session start %.1fs; max |p - plain| %.1e, max |p - predict| %.4f%n",
          images.size() + 1, sparkSeconds, (images.size() + 1) / sparkSeconds, loopSeconds, images.size() / loopSeconds,
          demo.sessionStartSeconds, maxVsLoop, maxVsPredict);
    } finally {
      Files.delete(broken);
    }
  }

  /** What {@code predict --run} computes: the run's best weights on its Java validation pipeline. */
  private static List<Prediction> predict(Path run, List<Path> images) throws Exception {
    RunArtifacts artifacts = RunArtifacts.load(run);
    int size = artifacts.evalPipeline().size();
    try (Model model = ModelZoo.create(artifacts.architecture(), artifacts.head(), size, size,
        SessionOptions.defaults())) {
      model.loadStateDict(artifacts.weights(), LoadMode.STRICT);
      List<RgbImage> decoded = new ArrayList<>();
      for (Path image : images) {
        decoded.add(ImageDecoder.decode(image));
      }
      return new Predictor(model, artifacts.evalPipeline(), 8).predict(decoded);
    }
  }

  private static float[] servingBytes(SavedModelBundle bundle, byte[] encoded) {
    try (TString input = TString.tensorOfBytes(NdArrays.vectorOfObjects(new byte[][] {encoded}));
        Result result = bundle.function("serving_bytes").call(Map.of("image_bytes", input))) {
      float[] p = new float[3];
      result.get("probabilities").orElseThrow().asRawTensor().data().asFloats().read(p);
      return p;
    }
  }
}
