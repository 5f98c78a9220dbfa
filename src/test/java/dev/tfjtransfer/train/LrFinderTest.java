package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LR range test: rates, smoothed losses and the steep / valley suggestions against a
 * re-statement of fastai's code on a recorded loss curve; and a real sweep leaves the weights,
 * BatchNorm statistics, optimizer state and counters exactly as they were.
 */
class LrFinderTest {
  @TempDir
  static Path dir;

  private static List<Double> list(float[] values) {
    List<Double> out = new ArrayList<>();
    for (float v : values) {
      out.add((double) v);
    }
    return out;
  }

  @Test
  void ratesSmoothingAndSuggestionsAreFastais() throws Exception {
    StateDict refs = RecipeReferences.read("lrfind.safetensors");
    LrFinder.Options options = new LrFinder.Options(1e-5, 1.0, 60, true);
    float[] lrs = refs.get("lrs").floats();
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < lrs.length; i++) {
      rates.add(options.lr(i));
      assertEquals(lrs[i], options.lr(i), 1e-6 * lrs[i], "lr of batch " + i);
    }
    List<Double> raw = list(refs.get("raw").floats());
    List<Double> smooth = LrFinder.smooth(raw);
    float[] expected = refs.get("smooth").floats();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], smooth.get(i), 1e-5 * Math.abs(expected[i]), "smoothed loss " + i);
    }
    LrFinder.Result result = LrFinder.result(options, rates, raw);
    assertEquals(refs.get("steep").floats()[0], result.steep(), 1e-6 * result.steep());
    assertEquals(refs.get("valley").floats()[0], result.valley(), 1e-6 * result.valley());
    assertTrue(result.valley() > result.steep() / 100 && result.valley() < 1, "valley " + result.valley());
  }

  @Test
  void sweepLeavesWeightsOptimizerStateAndCountersAsTheyWere() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 8, 2, 6);
    Pipeline pipeline = new Pipeline(List.of(Transforms.resizeShorter(14), Transforms.centerCrop(12)),
        Normalization.IMAGENET, 12);
    try (Model model = TinyNet.create();
        DataLoader train = DataLoader.builder(ImageFolder.open(dir.resolve("data/train")), pipeline).optBatchSize(4)
            .optShuffle(true).build()) {
      model.initialize(2);
      Trainer trainer = new Trainer(model, "6", 0);
      trainer.compile(new TrainingSetup(CrossEntropyLoss.standard(), List.of(ParamGroup.of("conv", 0.01, "0", "1"),
          ParamGroup.of("rest", 0.05)), OptimizerSpec.Adam.adamW(), new LrSchedule.Constant(),
          BatchNormPolicy.ALWAYS_TRAIN_MODE, false).withEma(ModelEma.Spec.of(0.9)), false);
      Random random = new Random(1);
      float[] images = new float[4 * 12 * 12 * 3];
      for (int i = 0; i < images.length; i++) {
        images[i] = (float) random.nextGaussian();
      }
      trainer.trainOnBatch(images, new int[] {0, 1, 2, 1}); // non-zero Adam moments and an EMA to keep
      StateDict weights = model.stateDict();
      StateDict slots = trainer.optimizerState().values();
      StateDict averages = trainer.ema().values();
      TrainerState state = trainer.state();

      LrFinder.Result result = trainer.findLearningRate(train, new LrFinder.Options(1e-4, 10, 12, true));
      assertTrue(result.lrs().size() >= 6, "batches swept: " + result.lrs().size());
      assertEquals(result.lrs().size(), result.losses().size());

      assertSame(weights, model.stateDict());
      assertSame(slots, trainer.optimizerState().values());
      assertSame(averages, trainer.ema().values());
      assertEquals(state, trainer.state());
      Path png = dir.resolve("lr.png");
      LrFinder.plot(result, png);
      assertTrue(javax.imageio.ImageIO.read(png.toFile()).getWidth() == 720 && Files.size(png) > 1000);
    }
  }

  private static void assertSame(StateDict want, StateDict got) {
    assertEquals(want.names(), got.names());
    for (String name : want.names()) {
      HostTensor w = want.get(name);
      if (w.dtype() == dev.tfjtransfer.weights.DType.I64) {
        assertArrayEquals(w.longs(), got.get(name).longs(), name);
      } else {
        assertArrayEquals(w.floats(), got.get(name).floats(), 0f, name);
      }
    }
  }
}
