package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.StochasticDepth;
import dev.tfjtransfer.zoo.Architecture;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of ModelZoo's table against torchvision 0.14's weight enums (make_zoo_facts.py): the
 * parameter count {@code summary} reports for the 1000-class model, and the row's parameter count,
 * weights URL, hash prefix and eval transforms. Rows added to the table are covered as they come.
 */
class ModelZooTableTest {
  /** Keras' ResNet50 has no torchvision counterpart; its row is checked against the table only. */
  static final String KERAS_ONLY = "resnet50_keras";
  private static final Pattern TOTAL = Pattern.compile("(?m)^(\\S+): (.+?) parameters, ");

  private static JsonNode facts;

  @BeforeAll
  static void torchvisionFacts() throws Exception {
    Path out = TorchReferences.generate("make_zoo_facts.py", "zoo-facts");
    facts = new ObjectMapper().readTree(Files.readString(out.resolve("zoo_facts.json")));
  }

  static Stream<String> torchvisionArchitectures() {
    return ModelZoo.ARCHITECTURES.stream().filter(name -> !name.equals(KERAS_ONLY));
  }

  static Stream<String> allArchitectures() {
    return ModelZoo.ARCHITECTURES.stream();
  }

  @ParameterizedTest
  @MethodSource("torchvisionArchitectures")
  void rowEqualsTorchvisionsWeightsEnum(String name) {
    JsonNode expected = torchvision(name);
    Architecture row = ModelZoo.architecture(name);
    EvalPreset eval = row.eval();
    String weights = expected.get("weights").asText();
    assertEquals(expected.get("num_params").asLong(), row.parameters(), name + ": parameters vs " + weights);
    assertEquals(expected.get("url").asText(), row.weightsUrl(), name + ": weights URL vs " + weights);
    assertEquals(expected.get("hash_prefix").asText(), row.weightsSha256Prefix(), name + ": hash prefix");
    assertEquals(expected.get("resize_size").get(0).asInt(), eval.resizeSize(), name + ": eval resize vs " + weights);
    assertEquals(expected.get("crop_size").get(0).asInt(), eval.cropSize(), name + ": eval crop vs " + weights);
    assertEquals(expected.get("interpolation").asText(), eval.interpolation().name().toLowerCase(Locale.ROOT),
        name + ": interpolation vs " + weights);
    for (int c = 0; c < 3; c++) {
      assertEquals((float) expected.get("mean").get(c).asDouble(), eval.normalization().mean()[c], name + ": mean");
      assertEquals((float) expected.get("std").get(c).asDouble(), eval.normalization().std()[c], name + ": std");
    }
  }

  @ParameterizedTest
  @MethodSource("allArchitectures")
  void summaryCountsTheTablesParameters(String name) {
    CliRun run = CliRun.of("summary", "--arch", name);
    assertEquals(0, run.exitCode(), run.err());
    Matcher total = TOTAL.matcher(run.out());
    assertTrue(total.find(), name + ": no parameter total in the summary:\n" + run.out());
    assertEquals(name, total.group(1));
    long counted = Long.parseLong(total.group(2).replaceAll("[^0-9]", ""));
    assertEquals(ModelZoo.architecture(name).parameters(), counted, name + ": summary vs the table");
    if (!name.equals(KERAS_ONLY)) {
      assertEquals(torchvision(name).get("num_params").asLong(), counted, name + ": summary vs torchvision");
    }
  }

  /** Every StochasticDepth layer's rate, as the architecture's defaults set it, equals torchvision's module's p. */
  @ParameterizedTest
  @MethodSource("architecturesWithStochasticDepth")
  void stochasticDepthRatesPerBlockEqualTorchvisions(String name) {
    JsonNode expected = torchvision(name).get("stochastic_depth");
    Map<String, Float> rates = new TreeMap<>();
    collectStochasticDepth(ModelZoo.layers(name, HeadSpec.linear(1000)), "", rates);
    assertEquals(expected.size(), rates.size(), name + ": StochasticDepth layers " + rates.keySet());
    expected.fields().forEachRemaining(e -> {
      assertTrue(rates.containsKey(e.getKey()), name + ": no StochasticDepth layer " + e.getKey());
      assertEquals(e.getValue().asDouble(), rates.get(e.getKey()), 1e-6, name + " " + e.getKey());
    });
  }

  static Stream<String> architecturesWithStochasticDepth() {
    return Stream.of("convnext_tiny", "convnext_small", "efficientnet_b0", "efficientnet_b3", "efficientnet_v2_s");
  }

  private static void collectStochasticDepth(Layer layer, String prefix, Map<String, Float> rates) {
    String name = layer.name().isEmpty() ? prefix : prefix.isEmpty() ? layer.name() : prefix + "." + layer.name();
    if (layer instanceof StochasticDepth stochasticDepth) {
      rates.put(name, stochasticDepth.rate());
    }
    for (Layer child : layer.children()) {
      collectStochasticDepth(child, name, rates);
    }
  }

  @Test
  void modelsListsEveryRow() {
    CliRun run = CliRun.of("models");
    assertEquals(0, run.exitCode(), run.err());
    String[] lines = run.out().split("\n");
    assertEquals(ModelZoo.ARCHITECTURES.size() + 1, lines.length, run.out());
    for (int i = 0; i < ModelZoo.ARCHITECTURES.size(); i++) {
      Architecture row = ModelZoo.architecture(ModelZoo.ARCHITECTURES.get(i));
      String line = lines[i + 1];
      assertTrue(line.startsWith(row.name() + " ") && line.contains(row.weightsUrl())
          && line.contains(row.eval().resizeSize() + "/" + row.eval().cropSize()), line);
    }
  }

  @Test
  void readmeZooTableIsTheModelsListing() throws Exception {
    CliRun run = CliRun.of("models", "--markdown");
    assertEquals(0, run.exitCode(), run.err());
    String readme = Files.readString(TorchReferences.projectDir().resolve("README.md"));
    assertTrue(readme.contains(run.out()), "README.md's model zoo table is not what `models --markdown` prints;"
        + " paste its output into the README:\n" + run.out());
  }

  private static JsonNode torchvision(String name) {
    JsonNode row = facts.get(name);
    assertNotNull(row, name + ": torchvision " + facts.size() + " builders have no weights enum named '" + name
        + "' (see target/zoo-facts/zoo_facts.json)");
    return row;
  }
}
