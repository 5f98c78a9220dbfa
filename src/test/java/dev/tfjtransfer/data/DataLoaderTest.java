package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
  /** 23 synthetic 40x30 images whose pixels encode their index. */
  private static final Dataset SYNTHETIC = new Dataset() {
    @Override
    public int size() {
      return 23;
    }

    @Override
    public List<String> classes() {
      return List.of("even", "odd");
    }

    @Override
    public int label(int index) {
      return index % 2;
    }

    @Override
    public RgbImage image(int index) throws IOException {
      byte[] px = new byte[40 * 30 * 3];
      for (int i = 0; i < px.length; i++) {
        px[i] = (byte) (index * 7 + i % 251);
      }
      return new RgbImage(40, 30, px);
    }

    @Override
    public String describe(int index) {
      return "synthetic " + index;
    }
  };

  private static List<Batch> epoch(int workers, long seed, int epoch, boolean dropLast) {
    Pipeline augment = new Pipeline(List.of(Transforms.randomResizedCrop(16), Transforms.randomHorizontalFlip(0.5)),
        Normalization.IMAGENET, 16);
    try (DataLoader loader = DataLoader.builder(SYNTHETIC, augment).optBatchSize(5).optShuffle(true)
        .optDropLast(dropLast).optWorkers(workers).optSeed(seed).build()) {
      List<Batch> batches = new ArrayList<>();
      try (DataLoader.Epoch it = loader.epoch(epoch)) {
        it.forEachRemaining(batches::add);
      }
      return batches;
    }
  }

  @Test
  void sameSeedGivesTheSameBatchesWhateverTheWorkers() {
    List<Batch> serial = epoch(0, 42, 1, false);
    List<Batch> parallel = epoch(2, 42, 1, false);
    assertEquals(5, serial.size());
    for (int b = 0; b < serial.size(); b++) {
      assertArrayEquals(serial.get(b).indices(), parallel.get(b).indices());
      assertArrayEquals(serial.get(b).images(), parallel.get(b).images(), 0f);
    }
    int[] all = serial.stream().flatMapToInt(batch -> Arrays.stream(batch.indices())).sorted().toArray();
    assertArrayEquals(java.util.stream.IntStream.range(0, 23).toArray(), all, "every sample once per epoch");
  }

  @Test
  void epochsAndSeedsShuffleDifferentlyAndDropLastDropsThePartialBatch() {
    assertFalse(Arrays.equals(epoch(0, 42, 1, false).get(0).indices(), epoch(0, 42, 2, false).get(0).indices()));
    assertNotEquals(Arrays.toString(epoch(0, 42, 1, false).get(0).images()),
        Arrays.toString(epoch(0, 43, 1, false).get(0).images()));
    List<Batch> dropped = epoch(2, 42, 1, true);
    assertEquals(4, dropped.size());
    dropped.forEach(b -> assertEquals(5, b.size()));
  }

  /**
   * Replays {@code samples} by hand: each image through the pipeline's steps with the reported draws
   * (every step of this pipeline is random), then ToTensor and Normalize.
   */
  @SuppressWarnings("unchecked")
  private static float[] replay(Pipeline pipeline, List<DataLoader.SampleDraws> samples) throws IOException {
    float[] out = new float[samples.size() * pipeline.floatsPerImage()];
    for (int k = 0; k < samples.size(); k++) {
      RgbImage image = SYNTHETIC.image(samples.get(k).index());
      List<Pipeline.Draw> draws = samples.get(k).draws();
      assertEquals(pipeline.steps().size(), draws.size(), "one draw per random step");
      for (Pipeline.Draw draw : draws) {
        RandomOp<Object> op = (RandomOp<Object>) pipeline.steps().get(draw.step());
        assertEquals(op.getClass().getSimpleName(), draw.op());
        image = op.applyWith(image, draw.params());
      }
      pipeline.normalization().write(image, out, k * pipeline.floatsPerImage());
    }
    return out;
  }

  @Test
  void reportedDrawsReproduceEveryBatchAlsoWithASamplerThatRepeatsSamples() throws IOException {
    Pipeline augment = new Pipeline(List.of(Transforms.randomResizedCrop(16), Transforms.randomHorizontalFlip(0.5)),
        Normalization.IMAGENET, 16);
    double[] weights = new double[SYNTHETIC.size()];
    Arrays.fill(weights, 1.0);
    weights[3] = 40; // sample 3 comes up several times per epoch, each time with its own crop
    for (WeightedRandomSampler sampler : new WeightedRandomSampler[] {null, new WeightedRandomSampler(weights, 19)}) {
      DataLoader.Builder builder = DataLoader.builder(SYNTHETIC, augment).optBatchSize(5).optShuffle(true)
          .optDropLast(true).optWorkers(2).optSeed(11);
      try (DataLoader loader = (sampler == null ? builder : builder.optSampler(sampler)).build()) {
        for (int epoch : new int[] {1, 2}) {
          List<DataLoader.SampleDraws> draws = loader.draws(epoch);
          List<Batch> batches = new ArrayList<>();
          try (DataLoader.Epoch it = loader.epoch(epoch)) {
            it.forEachRemaining(batches::add);
          }
          assertEquals(batches.stream().mapToInt(Batch::size).sum(), draws.size(), "drop_last honoured");
          for (int b = 0; b < batches.size(); b++) {
            int batch = b;
            List<DataLoader.SampleDraws> inBatch = draws.stream().filter(d -> d.batch() == batch).toList();
            assertArrayEquals(batches.get(b).indices(), inBatch.stream().mapToInt(DataLoader.SampleDraws::index)
                .toArray(), "epoch " + epoch + " batch " + b);
            assertArrayEquals(batches.get(b).images(), replay(augment, inBatch), 0f, "epoch " + epoch + " batch " + b);
          }
        }
      }
    }
  }

  @Test
  void drawsRefuseAPipelineWhoseDrawsAreNotAllReported() {
    Pipeline erasing = new Pipeline(List.of(Transforms.randomResizedCrop(16)), Normalization.IMAGENET, 16,
        List.of(Transforms.randomErasing(0.5)));
    try (DataLoader loader = DataLoader.builder(SYNTHETIC, erasing).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> loader.draws(1));
      assertTrue(e.getMessage().contains("random_erasing"), e.getMessage());
    }
  }
}
