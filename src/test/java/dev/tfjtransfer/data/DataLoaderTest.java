package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
}
