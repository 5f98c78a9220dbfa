package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.cli.Main;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * The validation pass, {@code predict --run} and the export's {@code serving_default} share one
 * definition of eval (graph and transforms): after a short run with non-default val transforms
 * (Resize 40, CenterCrop 32: not the 256/224 ratio) and a non-ImageNet normalization, all three
 * give the same logits for the validation images within {@value #TOLERANCE} of the largest, and
 * {@code serving_bytes} (decode, resize and crop in the graph) the same probabilities within 0.01.
 */
class EvalDefinitionTest {
  private static final double TOLERANCE = 1e-5;
  private static final int CLASSES = 3;

  @TempDir
  Path dir;

  @Test
  void validationPassPredictAndExportGiveTheSameLogits() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 6, 2, 8);
    RunConfig config = ConfigLoader.parse("""
        model: {arch: resnet18}
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: 32}}]
          val_transforms: [{resize: {size: 40}}, {center_crop: {size: 32}}]
          normalize: {mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3]}
          batch_size: 6
          val_batch_size: 4
          workers: 0
        stages: [{epochs: 1}]
        output_dir: %s
        seed: 2
        threads: 2
        """.formatted(dir.resolve("data"), dir.resolve("runs")), "test", List.of());
    Path run = TrainingRun.start(config, new PrintStream(new ByteArrayOutputStream()), false).runDir();

    // the validation pass: the run's own val loader and Trainer.evaluate on the best weights; its
    // loss is the one metrics.csv recorded for the best epoch
    RunConfig resolved = ConfigLoader.load(run.resolve("config.yaml"), List.of());
    RunArtifacts artifacts = RunArtifacts.load(run);
    Trainer.Evaluation validation;
    List<Path> files;
    try (RunData data = RunData.open(resolved.data(), resolved.dataSeed(), artifacts.evalPipeline().normalization());
        Model model = ModelZoo.create("resnet18", artifacts.head(), 32, 32, SessionOptions.defaults())) {
      model.loadStateDict(artifacts.weights(), LoadMode.STRICT);
      validation = new Trainer(model, "fc", 0).evaluate(data.val());
      files = IntStream.range(0, data.val().dataset().size())
          .mapToObj(i -> Path.of(data.val().dataset().describe(i))).toList();
    }
    assertEquals(bestEpochValLoss(run), validation.loss(), 1e-4, "the val loss metrics.csv recorded");

    // predict --run on the same files, in the val loader's order
    Path images = Files.createDirectories(dir.resolve("images"));
    for (int i = 0; i < files.size(); i++) {
      Files.copy(files.get(i), images.resolve(String.format("%03d.jpg", i)));
    }
    float[] predicted = predictLogits(run, images);

    // serving_default on the eval transforms' 8-bit pixels (normalization is in the graph)
    Path export = dir.resolve("savedmodels/m");
    assertEquals(0, Main.commandLine().execute("export", "--run", run.toString(), "--out", export.toString()));
    float[] pixels = new float[files.size() * 32 * 32 * 3];
    List<byte[]> encoded = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      RgbImage cropped = artifacts.evalPipeline().transform(ImageDecoder.decode(files.get(i)), new SplittableRandom(0));
      for (int p = 0; p < 32 * 32 * 3; p++) {
        pixels[i * 32 * 32 * 3 + p] = cropped.pixels()[p] & 0xff;
      }
      encoded.add(Files.readAllBytes(files.get(i)));
    }
    float[] served;
    float[] servedProbabilities;
    float[] bytesProbabilities;
    try (SavedModelBundle bundle = SavedModelBundle.load(export.resolve("1").toString(), "serve");
        TFloat32 input = TFloat32.tensorOf(Shape.of(files.size(), 32, 32, 3));
        TString bytes = TString.tensorOfBytes(NdArrays.vectorOfObjects(encoded.toArray(new byte[0][])))) {
      input.asRawTensor().data().asFloats().write(pixels);
      try (Result out = bundle.function("serving_default").call(Map.of("images", input));
          Result fromBytes = bundle.function("serving_bytes").call(Map.of("image_bytes", bytes))) {
        served = floats(out, "logits");
        servedProbabilities = floats(out, "probabilities");
        bytesProbabilities = floats(fromBytes, "probabilities");
      }
    }

    double scale = Arrays4d.maxAbs(validation.logits());
    assertEquals(files.size() * CLASSES, validation.logits().length);
    assertTrue(Arrays4d.maxAbsDiff(validation.logits(), predicted) <= TOLERANCE * scale,
        "predict differs from the val pass by " + Arrays4d.maxAbsDiff(validation.logits(), predicted));
    assertTrue(Arrays4d.maxAbsDiff(validation.logits(), served) <= TOLERANCE * scale,
        "serving_default differs from the val pass by " + Arrays4d.maxAbsDiff(validation.logits(), served));
    assertTrue(Arrays4d.maxAbsDiff(servedProbabilities, bytesProbabilities) < 0.01,
        "serving_bytes probabilities differ by " + Arrays4d.maxAbsDiff(servedProbabilities, bytesProbabilities));
  }

  private static double bestEpochValLoss(Path run) throws Exception {
    List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
    double bestAcc = -1;
    double loss = Double.NaN;
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",");
      if (cells[2].equals("val") && Double.parseDouble(cells[4]) > bestAcc) {
        bestAcc = Double.parseDouble(cells[4]);
        loss = Double.parseDouble(cells[3]);
      }
    }
    return loss;
  }

  private static float[] predictLogits(Path run, Path images) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      assertEquals(0, Main.commandLine().execute("predict", "--run", run.toString(), "--images", images.toString(),
          "--output-logits", "--batch", "3"));
    } finally {
      System.setOut(saved);
    }
    List<Float> values = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      for (JsonNode v : new ObjectMapper().readTree(line).get("logits")) {
        values.add(v.floatValue());
      }
    }
    float[] logits = new float[values.size()];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = values.get(i);
    }
    return logits;
  }

  private static float[] floats(Result result, String name) {
    TFloat32 t = (TFloat32) result.get(name).orElseThrow();
    float[] v = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(v);
    return v;
  }
}
