package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RandomOp;
import dev.tfjtransfer.data.RgbImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train-draws} against the loader a run trains on: the dump's order and draws rebuild the
 * run's batches exactly, and bench/compare_training.py's torch side, replaying the dump with
 * torchvision's resized_crop and hflip, feeds the same first batch up to JPEG decoding and rounding.
 */
class TrainDrawsTest {
  private static final int SIZE = 96;

  @TempDir
  static Path dir;

  @BeforeAll
  static void data() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 8, 2, 3); // 24 JPEGs of 500x375 / 375x500: two batches of 16
  }

  /** The recipe of bench/compare_training.py at a small scale: seed drives the data, no data.seed. */
  private static RunConfig config(long seed) {
    String yaml = """
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: %d}}, {horizontal_flip: {p: 0.5}}]
          val_transforms: [{resize: {size: 109}}, {center_crop: {size: %d}}]
          batch_size: 16
          workers: 2
        seed: %d
        """.formatted(dir.resolve("data"), SIZE, SIZE, seed);
    return ConfigLoader.parse(yaml, "test", List.of());
  }

  private static List<Batch> epoch(RunConfig config, int epoch) throws Exception {
    try (RunData data = RunData.open(config.data(), config.dataSeed(), Normalization.IMAGENET);
        DataLoader.Epoch it = data.train().epoch(epoch)) {
      List<Batch> batches = new ArrayList<>();
      it.forEachRemaining(batches::add);
      return batches;
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void drawsRebuildEveryBatchTheRunTrainsOn() throws Exception {
    RunConfig config = config(5);
    TrainDraws draws = TrainDraws.of(config, 2);
    assertEquals(5, draws.dataSeed());
    assertEquals(16, draws.batchSize());
    Pipeline pipeline = Pipelines.of(config.data().trainTransforms(), Normalization.IMAGENET, "test");
    for (TrainDraws.Epoch e : draws.epochs()) {
      List<Batch> batches = epoch(config, e.epoch());
      assertEquals(2, batches.size());
      for (int b = 0; b < batches.size(); b++) {
        int batch = b;
        List<DataLoader.SampleDraws> samples = e.samples().stream().filter(s -> s.batch() == batch).toList();
        assertArrayEquals(batches.get(b).indices(), samples.stream().mapToInt(DataLoader.SampleDraws::index)
            .toArray(), "epoch " + e.epoch() + " batch " + b);
        float[] replayed = new float[samples.size() * pipeline.floatsPerImage()];
        for (int k = 0; k < samples.size(); k++) {
          DataLoader.SampleDraws sample = samples.get(k);
          assertEquals(batches.get(b).labels()[k], sample.label());
          RgbImage image = ImageDecoder.decode(Path.of(sample.source()));
          assertEquals(List.of("RandomResizedCrop", "RandomHorizontalFlip"),
              sample.draws().stream().map(Pipeline.Draw::op).toList());
          for (Pipeline.Draw draw : sample.draws()) {
            image = ((RandomOp<Object>) pipeline.steps().get(draw.step())).applyWith(image, draw.params());
          }
          Normalization.IMAGENET.write(image, replayed, k * pipeline.floatsPerImage());
        }
        assertArrayEquals(batches.get(b).images(), replayed, 0f, "epoch " + e.epoch() + " batch " + b);
      }
    }
    int[] seed5 = draws.epochs().get(0).samples().stream().mapToInt(DataLoader.SampleDraws::index).toArray();
    int[] seed6 = TrainDraws.of(config(6), 1).epochs().get(0).samples().stream()
        .mapToInt(DataLoader.SampleDraws::index).toArray();
    assertFalse(java.util.Arrays.equals(seed5, seed6), "seed drives the dumped order");
  }

  @Test
  void torchReplayFeedsTheSameFirstBatch() throws Exception {
    RunConfig config = config(7);
    Path dump = dir.resolve("draws.json");
    Files.writeString(dump, TrainDraws.of(config, 1).toJson());
    Path tensor = dir.resolve("first-batch.f32");
    List<String> out = TorchReferences.run("replay_first_batch.py", dump.toString(), tensor.toString());
    Batch ours = epoch(config, 1).get(0);
    int[] labels = java.util.Arrays.stream(out.get(0).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    assertArrayEquals(ours.labels(), labels);
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(tensor)).order(ByteOrder.LITTLE_ENDIAN);
    int n = ours.size();
    assertEquals(n * 3 * SIZE * SIZE * 4, bytes.capacity());
    double sum = 0;
    double max = 0;
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < SIZE; y++) {
          for (int x = 0; x < SIZE; x++) {
            float theirs = bytes.getFloat((((i * 3 + c) * SIZE + y) * SIZE + x) * 4);
            float mine = ours.images()[((i * SIZE + y) * SIZE + x) * 3 + c]; // NHWC
            double d = Math.abs(theirs - mine);
            sum += d;
            max = Math.max(max, d);
          }
        }
      }
    }
    double mean = sum / (n * 3.0 * SIZE * SIZE);
    System.err.printf("torch replay vs project, first batch of %d: mean |diff| %.2e, max %.3f%n", n, mean, max);
    // one 8-bit level is 1/255/0.225 = 0.017 after normalization: what is left is JPEG decoding and rounding
    assertTrue(mean < 1e-3, "mean |diff| " + mean);
  }
}
