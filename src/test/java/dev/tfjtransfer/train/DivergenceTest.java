package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.train.callbacks.ModelCheckpoint;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loss that becomes NaN or infinite stops training with a message saying where, and weights
 * that are not finite are never checkpointed.
 */
class DivergenceTest {
  @TempDir
  Path dir;

  @Test
  void explodingLossStopsTraining() {
    try (Model model = TinyNet.create(); DataLoader loader = noise(16)) {
      Trainer trainer = new Trainer(model, "6", 0);
      trainer.compile(TrainingSetup.sgd(1e35), false);
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> trainer.fit(loader, loader, 3, List.of(), true));
      assertEquals(EpochMetrics.Phase.TRAIN, e.phase());
      assertTrue(e.getMessage().contains("loss became") && e.getMessage().contains("epoch " + e.epoch()),
          e.getMessage());
    }
  }

  /**
   * One batch per epoch: the step's loss is computed before its update, so the overflowing update
   * shows first in the validation that follows, which must stop the run before any checkpoint.
   */
  @Test
  void nonFiniteValidationLossStopsTrainingInThatEpoch() {
    try (Model model = TinyNet.create(); DataLoader loader = noise(4)) {
      Trainer trainer = new Trainer(model, "6", 0);
      trainer.compile(TrainingSetup.sgd(1e35), false);
      boolean[] checkpointed = new boolean[1];
      Callback checkpoint = new Callback() {
        @Override
        public boolean onEpochEnd(Trainer t, EpochMetrics train, EpochMetrics val) {
          checkpointed[0] |= val.epoch() > 0;
          return false;
        }
      };
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> trainer.fit(loader, loader, 3, List.of(checkpoint), true));
      assertEquals(1, e.epoch(), e.getMessage());
      assertEquals(EpochMetrics.Phase.VAL, e.phase(), e.getMessage());
      assertTrue(e.getMessage().startsWith("training diverged in epoch 1, val phase: loss became"), e.getMessage());
      assertFalse(checkpointed[0], "no epoch ended after the divergence");
    }
  }

  @Test
  void nonFiniteBestWeightsAreNeverWritten() {
    try (Model model = TinyNet.create()) {
      model.ensureInitialized();
      Trainer trainer = new Trainer(model, "6", 0);
      StateDict weights = model.stateDict();
      float[] poisoned = weights.get("6.weight").floats().clone();
      poisoned[5] = Float.POSITIVE_INFINITY;
      weights.put("6.weight", HostTensor.ofFloats(weights.get("6.weight").shape(), poisoned));
      trainer.restoreBest(weights, 0.9, 3);
      Path file = dir.resolve("best.safetensors");
      EpochMetrics val = new EpochMetrics(3, EpochMetrics.Phase.VAL, 0.5, 0.9, List.of(), 1, 4);
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new ModelCheckpoint(file, Map.of()).onEpochEnd(trainer, null, val));
      assertTrue(e.getMessage().contains("epoch 3") && e.getMessage().contains("6.weight"), e.getMessage());
      assertFalse(Files.exists(file));
    }
  }

  /** {@code size} 12x12 noise images of three classes, four to a batch. */
  private static DataLoader noise(int size) {
    Dataset noise = new Dataset() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public List<String> classes() {
        return List.of("a", "b", "c");
      }

      @Override
      public int label(int index) {
        return index % 3;
      }

      @Override
      public RgbImage image(int index) {
        byte[] px = new byte[12 * 12 * 3];
        new java.util.Random(index).nextBytes(px);
        return new RgbImage(12, 12, px);
      }

      @Override
      public String describe(int index) {
        return "noise " + index;
      }
    };
    return DataLoader.builder(noise, new Pipeline(List.of(), Normalization.NONE, 12)).optBatchSize(4).build();
  }
}
