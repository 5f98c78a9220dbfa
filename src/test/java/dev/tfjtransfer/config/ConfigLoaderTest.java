package dev.tfjtransfer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
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
    assertTrue(arch.getMessage().contains("model.arch must be one of vgg16, resnet18, resnet34, resnet50, resnet50_keras; received:"
        + " resnet19"), arch.getMessage());
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
