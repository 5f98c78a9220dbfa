package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The weights' moving average over five real SGD steps of the tiny network against a re-statement
 * of timm's ModelEmaV2 (constant decay) and ModelEmaV3 with warm-up, on torch's own steps: every
 * weight and BatchNorm buffer within 1e-5 of its largest value. A checkpointed average restored
 * into a new trainer continues from the same values and update count. Swapping the average in for
 * validation and back leaves the trained weights bit for bit as they were.
 */
class ModelEmaTest {
  private static Trainer train(StateDict refs, ModelEma.Spec spec, Model model) {
    StateDict initial = new StateDict();
    refs.names().stream().filter(n -> n.startsWith("initial.")).forEach(n -> initial.put(n.substring(8), refs.get(n)));
    model.loadStateDict(initial, LoadMode.STRICT);
    Trainer trainer = new Trainer(model, "6", 0);
    trainer.compile(new TrainingSetup(CrossEntropyLoss.standard(), List.of(new ParamGroup("all", List.of(), 0.2, 0)),
        OptimizerSpec.Sgd.withMomentum(0.9), new LrSchedule.Constant(), BatchNormPolicy.ALWAYS_TRAIN_MODE, false)
        .withEma(spec), false);
    for (int step = 0; step < 5; step++) {
      trainer.trainOnBatch(Arrays4d.nchwToNhwc(refs.get("input" + step)),
          RecipeReferences.ints(refs.get("labels" + step).longs()));
    }
    return trainer;
  }

  private static void compare(StateDict refs, String prefix, StateDict actual) {
    for (String name : actual.names()) {
      var want = refs.get(prefix + name);
      if (want.dtype() == DType.I64) {
        assertArrayEquals(want.longs(), actual.get(name).longs(), name);
        continue;
      }
      double error = Arrays4d.maxAbsDiff(want.floats(), actual.get(name).floats())
          / Math.max(1e-6, Arrays4d.maxAbs(want.floats()));
      assertTrue(error < 1e-5, prefix + name + " differs by " + error + " of its largest value");
    }
  }

  @Test
  void constantDecayAverageMatchesModelEmaV2() throws Exception {
    StateDict refs = RecipeReferences.read("ema.safetensors");
    try (Model model = TinyNet.create()) {
      Trainer trainer = train(refs, new ModelEma.Spec(0.9, false, 1, 2.0 / 3, 0, true), model);
      compare(refs, "v2.", trainer.ema().stateDict());
    }
  }

  @Test
  void validationSwapPutsTheAveragesInTheModelAndItsOwnWeightsBack() throws Exception {
    StateDict refs = RecipeReferences.read("ema.safetensors");
    try (Model model = TinyNet.create()) {
      ModelEma ema = train(refs, new ModelEma.Spec(0.9, false, 1, 2.0 / 3, 0, true), model).ema();
      StateDict trained = model.stateDict();
      ema.swapIntoModel();
      compare(refs, "v2.", model.stateDict());
      compare(refs, "v2.", ema.stateDict());
      ema.restoreModelWeights();
      StateDict restored = model.stateDict();
      for (String name : trained.names()) {
        if (trained.get(name).dtype() == DType.I64) {
          assertArrayEquals(trained.get(name).longs(), restored.get(name).longs(), name);
        } else {
          assertArrayEquals(trained.get(name).floats(), restored.get(name).floats(), 0f, name);
        }
      }
    }
  }

  @Test
  void warmupAverageMatchesModelEmaV3AndResumes() throws Exception {
    StateDict refs = RecipeReferences.read("ema.safetensors");
    try (Model model = TinyNet.create(); Model other = TinyNet.create()) {
      Trainer trainer = train(refs, ModelEma.Spec.withWarmup(0.99), model);
      StateDict averaged = trainer.ema().stateDict();
      compare(refs, "v3.", averaged);
      // the model's own weights are untouched by reading the average
      assertTrue(Arrays4d.maxAbsDiff(model.stateDict().get("6.weight").floats(), averaged.get("6.weight").floats())
          > 1e-4);

      other.loadStateDict(model.stateDict(), LoadMode.STRICT);
      Trainer resumed = new Trainer(other, "6", 0);
      resumed.compile(TrainingSetup.sgd(0.1).withEma(ModelEma.Spec.withWarmup(0.99)), false);
      resumed.restoreEma(trainer.ema().values(), trainer.ema().updates());
      assertEquals(5, resumed.ema().updates());
      compare(refs, "v3.", resumed.ema().stateDict());
    }
  }
}
