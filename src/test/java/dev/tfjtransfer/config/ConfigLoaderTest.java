package dev.tfjtransfer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static ConfigException fails(String yaml, String... overrides) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "cfg.yaml", List.of(overrides)));
  }

  @Test
  void misspelledKeyNamesItsLineAndTheClosestKey() {
    ConfigException e = fails("model:\n  arch: resnet18\ndata:\n  root: x\n  bach_size: 8\n");
    assertTrue(e.getMessage().startsWith("cfg.yaml line 5: unknown key 'data.bach_size'; did you mean 'batch_size'?"),
        e.getMessage());
  }

  @Test
  void wrongTypeNamesKeyAndExpectation() {
    ConfigException e = fails("data:\n  batch_size: sixteen\n");
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("data.batch_size")
        && e.getMessage().contains("an integer"), e.getMessage());
  }

  @Test
  void outOfRangeValueNamesKeyAndRange() {
    ConfigException e = fails("stages:\n  - epochs: 0\n");
    assertTrue(e.getMessage().endsWith("stages[0].epochs must be in [1, 100000]; received: 0"), e.getMessage());
    ConfigException lr = fails("stages:\n  - epochs: 1\n  - epochs: 2\n    groups: [{lr: 0.1}, {lr: 20}]\n");
    assertTrue(lr.getMessage().endsWith("stages[1].groups[1].lr must be in [0, 10]; received: 20"), lr.getMessage());
    ConfigException arch = fails("model:\n  arch: resnet19\n");
    assertTrue(arch.getMessage().contains("model.arch must be one of " + String.join(", ", ModelZoo.ARCHITECTURES)
        + "; received: resnet19"), arch.getMessage());
  }

  @Test
  void unsetTransformsFollowTheArchitecturesEvalPreset() {
    for (String arch : ModelZoo.ARCHITECTURES) {
      EvalPreset preset = ModelZoo.architecture(arch).eval();
      RunConfig config = ConfigLoader.parse("model:\n  arch: " + arch + "\n", "cfg.yaml", List.of());
      // the resolved config a run directory records reads back to the same transforms
      RunConfig resolved = ConfigLoader.parse(ConfigLoader.toYaml(config), "config.yaml", List.of());
      for (RunConfig c : List.of(config, resolved)) {
        List<TransformConfig> val = c.data().valTransforms();
        assertEquals(2, val.size(), arch);
        assertEquals(preset.resizeSize(), val.get(0).resize().size(), arch);
        assertEquals(preset.interpolation(), val.get(0).resize().filter(), arch);
        assertEquals(preset.cropSize(), val.get(1).centerCrop().size(), arch);
        assertEquals(preset.cropSize(), c.data().trainTransforms().get(0).randomResizedCrop().size(), arch);
      }
    }
  }

  @Test
  void resizeInterpolationIsReadAndChecked() {
    RunConfig config = ConfigLoader.parse("data:\n  val_transforms:\n    - resize: {size: 320, interpolation: bicubic}\n"
        + "    - center_crop: {size: 300}\n", "cfg.yaml", List.of());
    assertEquals(Interpolation.BICUBIC, config.data().valTransforms().get(0).resize().filter());
    assertEquals(Interpolation.BILINEAR, ConfigLoader.parse("data:\n  val_transforms:\n    - resize: {size: 256}\n",
        "cfg.yaml", List.of()).data().valTransforms().get(0).resize().filter());
    ConfigException e = fails("data:\n  val_transforms:\n    - resize: {size: 320, interpolation: lanczos}\n");
    assertTrue(e.getMessage().contains("resize.interpolation must be one of bilinear, bicubic; received: lanczos"),
        e.getMessage());
  }

  @Test
  void overridesReplaceNestedKeysAndListItems() {
    RunConfig config = ConfigLoader.parse("stages:\n  - epochs: 5\n    groups: [{lr: 0.1}]\n", "cfg.yaml",
        List.of("stages.0.epochs=3", "stages.0.groups.0.lr=0.5", "data.batch_size=4"));
    assertEquals(3, config.stages().get(0).epochs());
    assertEquals(0.5, config.stages().get(0).groups().get(0).lr());
    assertEquals(4, config.data().batchSize());
    ConfigException e = fails("stages:\n  - epochs: 5\n", "stages.0.epoch=3");
    assertTrue(e.getMessage().contains("unknown key") && e.getMessage().contains("epochs"), e.getMessage());
  }

  @Test
  void everyShippedConfigParses() throws Exception {
    Path root = TorchReferences.projectDir();
    ConfigLoader.load(root.resolve("config.yaml"), List.of());
    try (Stream<Path> files = Files.list(root.resolve("configs"))) {
      List<Path> configs = files.filter(p -> p.toString().endsWith(".yaml")).toList();
      assertTrue(configs.size() >= 7, "one config per seed scenario");
      for (Path file : configs) {
        ConfigLoader.load(file, List.of());
      }
    }
  }

  @Test
  void misspeltOverrideKeyIsNamedWithTheClosestOne() {
    ConfigException top = fails("model: {arch: resnet18}", "stagez.0.epochs=2");
    assertTrue(top.getMessage().contains("unknown key 'stagez'") && top.getMessage().contains("did you mean 'stages'"),
        top.getMessage());
    ConfigException nested = fails("stages: [{epochs: 2}]", "stages.0.epochz=3");
    assertTrue(nested.getMessage().contains("unknown key 'epochz'")
        && nested.getMessage().contains("did you mean 'epochs'"), nested.getMessage());
  }

  @Test
  void aWordWhereANumberIsExpectedIsQuotedWithoutJacksonsAdvice() {
    ConfigException e = fails("stages: [{epochs: 2}]", "stages.0.epochs=abc");
    assertEquals("--set stages.0.epochs=abc: stages[0].epochs: expected an integer, got \"abc\"", e.getMessage());
  }

  @Test
  void aDirectoryGivenAsTheConfigIsNamedAsOne(@TempDir Path dir) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, List.of()));
    assertEquals(dir + ": is a directory, not a config file", e.getMessage());
  }

  @Test
  void fractionalEpochsAndTabIndentationAreErrorsSayingWhy() {
    ConfigException epochs = fails("stages: [{epochs: 1.5}]");
    assertTrue(epochs.getMessage().contains("stages[0].epochs") && epochs.getMessage().contains("1.5"),
        epochs.getMessage());
    ConfigException tab = fails("model:\n\tarch: resnet18\n");
    assertTrue(tab.getMessage().contains("TAB"), tab.getMessage());
  }
}
