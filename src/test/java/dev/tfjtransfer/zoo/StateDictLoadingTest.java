package dev.tfjtransfer.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDictLoadingTest {
  @TempDir
  Path dir;

  private static Model resnet18(int classes) {
    return ModelZoo.create("resnet18", HeadSpec.linear(classes), 64, 64, SessionOptions.defaults());
  }

  @Test
  void parameterNamesFollowTorchvision() {
    try (Model model = resnet18(10)) {
      List<String> names = model.parameters().stream().map(p -> p.name()).toList();
      assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
          "bn1.num_batches_tracked", "layer1.0.conv1.weight"), names.subList(0, 7));
      assertTrue(names.contains("layer2.0.downsample.0.weight") && names.contains("layer4.1.bn2.running_var"));
      assertEquals(List.of("fc.weight", "fc.bias"), names.subList(names.size() - 2, names.size()));
      assertEquals(122, names.size()); // len(torchvision.models.resnet18().state_dict())
      assertEquals(11_181_642L, model.weights().stream().mapToLong(p -> p.size()).sum());
    }
    try (Model vgg = ModelZoo.create("vgg16", HeadSpec.linear(2), 64, 64, SessionOptions.defaults())) {
      List<String> names = vgg.parameters().stream().map(p -> p.name()).toList();
      assertEquals("features.0.weight", names.get(0));
      assertTrue(names.contains("features.28.bias") && names.contains("classifier.3.weight"));
      assertArrayEquals(new long[] {2, 4096}, vgg.parameter("classifier.6.weight").torchShape());
    }
  }

  @Test
  void stateDictRoundTripsThroughSafetensorsAndGivesTheSameLogits() throws Exception {
    float[] images = new float[2 * 64 * 64 * 3];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) random.nextGaussian();
    }
    Path file = dir.resolve("resnet18.safetensors");
    float[] expected;
    try (Model model = resnet18(10)) {
      model.initialize(11);
      expected = model.predict(images, 2);
      Safetensors.write(model.stateDict(), file);
    }
    try (Model model = resnet18(10)) {
      LoadReport report = model.loadStateDict(StateDict.read(file), LoadMode.STRICT);
      assertEquals(122, report.loaded().size());
      assertArrayEquals(expected, model.predict(images, 2));
    }
  }

  @Test
  void strictLoadNamesEveryOffendingKey() {
    StateDict weights;
    try (Model imagenet = resnet18(1000)) {
      weights = imagenet.stateDict();
    }
    weights.put("extra.weight", HostTensor.ofFloats(new long[] {1}, new float[] {0}));
    try (Model model = resnet18(2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> model.loadStateDict(weights, LoadMode.STRICT));
      String message = e.getMessage();
      assertTrue(message.contains("fc.weight [1000, 512] in weights vs [2, 512] in model"), message);
      assertTrue(message.contains("fc.bias [1000] in weights vs [2] in model"), message);
      assertTrue(message.contains("unexpected keys (1): extra.weight"), message);
    }
  }

  @Test
  void skipMismatchedLoadsTheBackboneAndKeepsTheNewHead() {
    StateDict weights;
    try (Model imagenet = resnet18(1000)) {
      imagenet.initialize(5);
      weights = imagenet.stateDict();
    }
    try (Model model = resnet18(2)) {
      model.initialize(6);
      float[] headBefore = model.stateDict().get("fc.weight").floats();
      LoadReport report = model.loadStateDict(weights, LoadMode.SKIP_MISMATCHED);
      assertEquals(2, report.mismatched().size());
      assertEquals(120, report.loaded().size());
      StateDict after = model.stateDict();
      assertArrayEquals(weights.get("layer4.1.conv2.weight").floats(), after.get("layer4.1.conv2.weight").floats());
      assertArrayEquals(headBefore, after.get("fc.weight").floats());
    }
  }
}
