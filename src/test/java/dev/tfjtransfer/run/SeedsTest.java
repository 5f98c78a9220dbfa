package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.Normalization;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seed} drives data order and augmentation unless {@code data.seed} is given: the loaders
 * a run trains on, compared batch by batch for configs that differ only in their seeds.
 */
class SeedsTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void data() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 8, 2, 1);
  }

  @Test
  void runsThatDifferInSeedDifferInDataOrderAndCrops() throws Exception {
    Batch one = firstBatch(config(1, null));
    Batch two = firstBatch(config(2, null));
    assertFalse(Arrays.equals(one.indices(), two.indices()), "seed 1 and 2 shuffled alike: "
        + Arrays.toString(one.indices()));
    int image = one.indices()[0];
    assertFalse(Arrays.equals(pixelsOf(one, image), pixelsOf(firstBatchHolding(config(2, null), image), image)),
        "seed 1 and 2 cropped image " + image + " alike");
  }

  @Test
  void dataSeedWinsOverSeedForDataOnly() throws Exception {
    RunConfig one = config(1, 7L);
    RunConfig two = config(2, 7L);
    assertEquals(7, one.dataSeed());
    assertEquals(2, two.seed());
    Batch a = firstBatch(one);
    Batch b = firstBatch(two);
    assertArrayEquals(a.indices(), b.indices());
    assertArrayEquals(a.images(), b.images());
    assertEquals(5, config(5, null).dataSeed(), "without data.seed, data follows seed");
  }

  /** A config with {@code seed} and, unless null, {@code data.seed}. */
  private static RunConfig config(long seed, Long dataSeed) {
    String yaml = """
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: 32}}, {horizontal_flip: {p: 0.5}}]
          val_transforms: [{resize: {size: 36}}, {center_crop: {size: 32}}]
          batch_size: 6
          workers: 0
          %s
        seed: %d
        """.formatted(dir.resolve("data"), dataSeed == null ? "" : "seed: " + dataSeed, seed);
    return ConfigLoader.parse(yaml, "test", List.of());
  }

  private static Batch firstBatch(RunConfig config) throws Exception {
    try (RunData data = RunData.open(config.data(), config.dataSeed(), Normalization.IMAGENET);
        DataLoader.Epoch epoch = data.train().epoch(1)) {
      return epoch.next();
    }
  }

  private static Batch firstBatchHolding(RunConfig config, int image) throws Exception {
    try (RunData data = RunData.open(config.data(), config.dataSeed(), Normalization.IMAGENET);
        DataLoader.Epoch epoch = data.train().epoch(1)) {
      while (epoch.hasNext()) {
        Batch batch = epoch.next();
        if (Arrays.stream(batch.indices()).anyMatch(i -> i == image)) {
          return batch;
        }
      }
    }
    throw new AssertionError("image " + image + " is in no batch");
  }

  private static float[] pixelsOf(Batch batch, int image) {
    int per = batch.imageSize() * batch.imageSize() * 3;
    for (int i = 0; i < batch.size(); i++) {
      if (batch.indices()[i] == image) {
        return Arrays.copyOfRange(batch.images(), i * per, (i + 1) * per);
      }
    }
    throw new AssertionError("image " + image + " is not in the batch");
  }
}
