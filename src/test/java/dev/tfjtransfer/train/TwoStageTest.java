package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two-stage fine-tuning: stage 1 trains the head only; stage 2 unfreezes everything with lower
 * learning rates, and the head's momentum buffer either carries over or starts again from zero.
 */
class TwoStageTest {
  private static final float[] IMAGES = new float[4 * 12 * 12 * 3];
  private static final int[] LABELS = {0, 1, 2, 1};

  static {
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < IMAGES.length; i++) {
      IMAGES[i] = (float) random.nextGaussian();
    }
  }

  private static StateDict stageTwoState(boolean keepOptimizerState) {
    try (Model model = TinyNet.create()) {
      model.initialize(1);
      Trainer trainer = new Trainer(model, "6", 0);
      trainer.freeze(FreezeSpec.allButHead());
      assertEquals(List.of("6.weight", "6.bias"), model.trainableWeights().stream().map(p -> p.name()).toList());
      trainer.compile(TrainingSetup.sgd(0.1), false);
      trainer.trainOnBatch(IMAGES, LABELS);
      StateDict afterStageOne = trainer.optimizerState().values();
      assertEquals(List.of("optimizer/6.weight/momentum_buffer", "optimizer/6.bias/momentum_buffer"),
          List.copyOf(afterStageOne.names()));

      trainer.unfreeze(FreezeSpec.all());
      trainer.compile(TrainingSetup.sgd(0.1).withGroups(List.of(ParamGroup.of("head", 0.01, "6"),
          new ParamGroup("backbone", List.of(), 0.001, 0))), keepOptimizerState);
      StateDict afterCompile = trainer.optimizerState().values();
      assertTrue(afterCompile.contains("optimizer/0.weight/momentum_buffer"), "new weights get fresh state");
      assertEquals(0.0, Arrays4d.maxAbs(afterCompile.get("optimizer/0.weight/momentum_buffer").floats()));
      return afterCompile;
    }
  }

  @Test
  void headMomentumCarriesOverOrResetsByChoice() {
    StateDict kept = stageTwoState(true);
    StateDict reset = stageTwoState(false);
    assertTrue(Arrays4d.maxAbs(kept.get("optimizer/6.weight/momentum_buffer").floats()) > 0, "kept");
    assertEquals(0.0, Arrays4d.maxAbs(reset.get("optimizer/6.weight/momentum_buffer").floats()), "reset");
    assertFalse(kept.names().isEmpty());
  }
}
