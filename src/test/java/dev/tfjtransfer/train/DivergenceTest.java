package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.Model;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A loss that becomes NaN or infinite stops training with a message saying where. */
class DivergenceTest {
  @Test
  void explodingLossStopsTraining() {
    Dataset noise = new Dataset() {
      @Override
      public int size() {
        return 16;
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
    Pipeline pipeline = new Pipeline(List.of(), Normalization.NONE, 12);
    try (Model model = TinyNet.create();
        DataLoader loader = DataLoader.builder(noise, pipeline).optBatchSize(4).build()) {
      Trainer trainer = new Trainer(model, "6", 0);
      trainer.compile(TrainingSetup.sgd(1e35), false);
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> trainer.fit(loader, loader, 3, List.of(), true));
      assertTrue(e.getMessage().contains("loss became") && e.getMessage().contains("epoch"), e.getMessage());
    }
  }
}
