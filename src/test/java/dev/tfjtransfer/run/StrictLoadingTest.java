package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} loads weights strictly unless told otherwise: only the replaced head may be left
 * out. Checked against what torch reports loading torchvision's resnet18 and resnet34
 * state_dicts into resnet18(num_classes=3) (tests/parity/make_loading_refs.py).
 */
class StrictLoadingTest {
  @TempDir
  static Path dir;

  static Path refs;
  static JsonNode torch;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_loading_refs.py", "loading-refs");
    torch = new ObjectMapper().readTree(refs.resolve("loading.json").toFile());
    DemoDataset.generate(dir.resolve("data"), 1, 1, 0);
  }

  private static Set<String> torchKeys(String arch, String kind) {
    Set<String> keys = new HashSet<>();
    torch.get(arch).get(kind).forEach(k -> keys.add(k.asText()));
    return keys;
  }

  private static String config(Path weights, String strict) {
    return """
        model: {arch: resnet18, weights: %s%s}
        data:
          root: %s
          train_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
          val_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
        stages: [{epochs: 1}]
        output_dir: %s
        threads: 2
        """.formatted(weights, strict, dir.resolve("data"), dir.resolve("runs"));
  }

  /** The default config refuses resnet34 weights in a resnet18 and lists torch's unexpected keys. */
  @Test
  void trainRefusesResnet34WeightsInResnet18ByDefault() {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.start(
        ConfigLoader.parse(config(refs.resolve("resnet34.pth"), ""), "cfg", List.of()), new PrintStream(console),
        false));
    String message = e.getMessage();
    assertTrue(message.contains("resnet34.pth") && message.contains("outside its head fc"), message);
    Set<String> unexpected = torchKeys("resnet34", "unexpected");
    assertTrue(message.contains("unexpected keys (" + unexpected.size() + "): "), message);
    String listed = message.substring(message.indexOf("unexpected keys"));
    for (String key : listed.substring(listed.indexOf(": ") + 2).split(", ")) {
      if (!key.startsWith("...")) {
        assertTrue(unexpected.contains(key), key + " is not among torch's unexpected keys");
      }
    }
    assertFalse(message.contains("fc.weight"), "the replaced head is not a problem: " + message);
  }

  /**
   * Fitting ImageNet weights load with only the head skipped, and the run says so in one line;
   * {@code strict: false} loads what fits of the resnet34 file.
   */
  @Test
  void onlyTheReplacedHeadIsSkippedAndTheLineSaysWhich() throws Exception {
    StateDict resnet18 = StateDict.read(refs.resolve("resnet18.pth"));
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 32, 32, new SessionOptions(2, 1))) {
      LoadReport report = TrainingRun.loadWeights(model, resnet18, "resnet18.pth", true, "fc",
          new PrintStream(console, true));
      assertEquals(torchKeys("resnet18", "mismatched"), new HashSet<>(report.problemKeys()));
      List<String> lines = console.toString().lines().toList();
      assertEquals(1, lines.size(), console.toString());
      assertTrue(lines.get(0).contains("skipped 2 of the replaced head fc: fc.weight, fc.bias"), lines.get(0));

      console.reset();
      LoadReport lenient = TrainingRun.loadWeights(model, StateDict.read(refs.resolve("resnet34.pth")),
          "resnet34.pth", false, "fc", new PrintStream(console, true));
      Set<String> expected = new HashSet<>(torchKeys("resnet34", "unexpected"));
      expected.addAll(torchKeys("resnet34", "mismatched"));
      assertEquals(expected, new HashSet<>(lenient.problemKeys()));
      assertTrue(console.toString().contains("skipped " + expected.size() + ": "), console.toString());
    }
  }

  @Test
  void strictDefaultsToTrueInTheConfig() {
    assertTrue(ConfigLoader.parse("model: {arch: resnet18}", "cfg", List.of()).model().strict());
    assertFalse(ConfigLoader.parse("model: {strict: false}", "cfg", List.of()).model().strict());
  }
}
