package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.infer.Predictor;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.KerasConversion;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * predict --arch preprocesses with the architecture's eval preset, except that normalization
 * recorded in the weights file (Keras' caffe mean) wins over the preset's, as train and export do.
 */
class PredictDefaultsTest {
  @TempDir
  Path dir;

  @Test
  void normalizationRecordedInTheWeightsWinsOverThePreset() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 1, 1, 5);
    Path images = Files.createDirectories(dir.resolve("images"));
    Path source = dir.resolve("data/val/" + DemoDataset.CLASSES.get(0));
    Path image = images.resolve("one.jpg");
    try (var files = Files.list(source)) {
      Files.copy(files.findFirst().orElseThrow(), image);
    }
    StateDict weights;
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3))) {
      model.initialize(3);
      weights = model.stateDict();
    }
    Normalization caffe = new Normalization(new float[] {0.482f, 0.458f, 0.408f},
        new float[] {1 / 255f, 1 / 255f, 1 / 255f});
    Path plain = dir.resolve("plain.safetensors");
    Safetensors.write(weights, plain);
    weights.metadata().put(KerasConversion.NORMALIZE_MEAN, "0.482,0.458,0.408");
    weights.metadata().put(KerasConversion.NORMALIZE_STD, 1 / 255.0 + "," + 1 / 255.0 + "," + 1 / 255.0);
    Path recorded = dir.resolve("recorded.safetensors");
    Safetensors.write(weights, recorded);

    EvalPreset preset = ModelZoo.architecture("resnet18").eval();
    RgbImage decoded = ImageDecoder.decode(image);
    float[] withPreset;
    float[] withRecorded;
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3))) {
      model.loadStateDict(weights, LoadMode.STRICT);
      withPreset = new Predictor(model).predict(List.of(decoded)).get(0).logits();
      withRecorded = new Predictor(model, Pipeline.imagenetEval(preset.withNormalization(caffe)), 1)
          .predict(List.of(decoded)).get(0).logits();
    }
    assertClose(withPreset, predictedLogits(plain, images));
    assertClose(withRecorded, predictedLogits(recorded, images));
    assertTrue(Math.abs(withPreset[0] - withRecorded[0]) > 1e-3, "the two normalizations must give other logits");
  }

  private static float[] predictedLogits(Path weights, Path images) throws Exception {
    CliRun run = CliRun.of("predict", "--arch", "resnet18", "--num-classes", "3", "--weights", weights.toString(),
        "--images", images.toString(), "--output-logits");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode logits = new ObjectMapper().readTree(run.out().strip()).get("logits");
    float[] out = new float[logits.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) logits.get(i).asDouble();
    }
    return out;
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])), "logit " + i);
    }
  }
}
