package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.Model;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Parameter groups are checked as torch.optim checks them: a weight in two groups is refused
 * ("some parameters appear in more than one parameter group"), and a pattern that selects no
 * trainable weight, which torch cannot even express, is refused instead of training an empty group.
 */
class ParamGroupsTest {
  private static Trainer trainer(Model model) {
    model.initialize(1);
    return new Trainer(model, "6", 0);
  }

  @Test
  void patternMatchingNoTrainableWeightIsAnErrorNamingIt() {
    try (Model model = TinyNet.create()) {
      Trainer trainer = trainer(model);
      IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> trainer.compile(
          TrainingSetup.sgd(0.1).withGroups(List.of(ParamGroup.of("head", 0.01, "66"), ParamGroup.of("rest", 0.1))),
          false));
      assertTrue(typo.getMessage().contains("'66'") && typo.getMessage().contains("no trainable weight"),
          typo.getMessage());

      trainer.freeze(FreezeSpec.of(List.of("0")));
      IllegalArgumentException frozen = assertThrows(IllegalArgumentException.class, () -> trainer.compile(
          TrainingSetup.sgd(0.1).withGroups(List.of(ParamGroup.of("conv", 0.01, "0"), ParamGroup.of("rest", 0.1))),
          false));
      assertTrue(frozen.getMessage().contains("'0'") && frozen.getMessage().contains("frozen"), frozen.getMessage());
    }
  }

  @Test
  void weightInTwoGroupsIsAnErrorNamingTheWeightAndBothPatterns() {
    try (Model model = TinyNet.create()) {
      Trainer trainer = trainer(model);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.compile(
          TrainingSetup.sgd(0.1).withGroups(List.of(ParamGroup.of("head", 0.01, "6"),
              ParamGroup.of("weights", 0.1, "*.weight"), ParamGroup.of("rest", 0.1))), false));
      assertTrue(e.getMessage().contains("6.weight") && e.getMessage().contains("'head' (pattern '6')")
          && e.getMessage().contains("'weights' (pattern '*.weight')"), e.getMessage());
    }
  }

  /** The group without patterns takes what the others leave, wherever it stands in the list. */
  @Test
  void groupWithoutPatternsTakesTheRemainingWeightsWhateverItsPosition() {
    try (Model model = TinyNet.create()) {
      Trainer trainer = trainer(model);
      trainer.compile(TrainingSetup.sgd(0.1).withGroups(List.of(ParamGroup.of("rest", 0.1),
          ParamGroup.of("head", 0.01, "6"))), false);
      Map<String, String> groupOf = trainer.groupOf().entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().name()));
      assertEquals(Map.of("0.weight", "rest", "1.weight", "rest", "1.bias", "rest", "6.weight", "head", "6.bias",
          "head"), groupOf);
    }
  }
}
