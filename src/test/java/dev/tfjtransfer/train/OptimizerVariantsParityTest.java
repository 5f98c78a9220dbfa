package dev.tfjtransfer.train;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Five steps of each optimizer variant (weight decay, Nesterov, dampening, Adam's L2 decay,
 * AdamW, label smoothing) on a tiny network against torch: parameters and BatchNorm state within
 * 1e-4 of each tensor's largest value, updates within 1e-3 of the largest update.
 */
class OptimizerVariantsParityTest {
  private static Path refs;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_training_refs.py", "training-refs");
  }

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("sgd_plain_wd", new OptimizerSpec.Sgd(0, 0, false), 0.1, 0.01, 0.0),
        Arguments.of("sgd_nesterov_wd", new OptimizerSpec.Sgd(0.9, 0, true), 0.05, 0.01, 0.0),
        Arguments.of("sgd_dampening", new OptimizerSpec.Sgd(0.9, 0.3, false), 0.05, 0.0, 0.1),
        Arguments.of("adam_l2", OptimizerSpec.Adam.adam(), 0.01, 0.01, 0.0),
        Arguments.of("adamw", OptimizerSpec.Adam.adamW(), 0.01, 0.1, 0.2));
  }

  @ParameterizedTest
  @MethodSource("variants")
  void optimizerMatchesTorch(String name, OptimizerSpec optimizer, double lr, double weightDecay, double smoothing)
      throws Exception {
    try (Model model = TinyNet.create()) {
      StateDict initial = StateDict.read(refs.resolve("tiny-initial.pth"));
      model.loadStateDict(initial, LoadMode.STRICT);
      List<ParamGroup> groups = List.of(new ParamGroup("all", List.of(), lr, weightDecay));
      TrainingStep step = new TrainingStep(model, groups, optimizer, new OptimizerState(model),
          new CrossEntropyLoss(smoothing), BatchNormPolicy.ALWAYS_TRAIN_MODE, false);
      StateDict expected = StateDict.read(refs.resolve("tiny-" + name + ".safetensors"));
      TorchStepReplay.replay(name, step, groups, StateDict.read(refs.resolve("tiny-io.safetensors")), 5,
          expected.get("losses").floats());
      TorchStepReplay.compareStates(name, initial, expected, model.stateDict(), 1e-4, 1e-3);
    }
  }
}
