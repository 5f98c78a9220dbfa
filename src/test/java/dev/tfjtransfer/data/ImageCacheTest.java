package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An ImageFolder loader keeps its images after the first epoch (decoded files for an augmenting
 * pipeline, transformed images for a deterministic one): with the files deleted after epoch 0,
 * epoch 1 is still bit for bit what a loader that reads every file computes; with a zero budget
 * the deleted files are skipped as unreadable.
 */
class ImageCacheTest {
  @TempDir
  Path dir;

  private static List<Batch> epoch(DataLoader loader, int epoch) {
    List<Batch> batches = new ArrayList<>();
    try (DataLoader.Epoch it = loader.epoch(epoch)) {
      it.forEachRemaining(batches::add);
    }
    return batches;
  }

  private static DataLoader loader(Path root, Pipeline pipeline, long cacheBytes) throws Exception {
    return DataLoader.builder(ImageFolder.open(root), pipeline).optBatchSize(4).optShuffle(true).optSeed(5)
        .optWorkers(2).optCacheBytes(cacheBytes).build();
  }

  @ParameterizedTest(name = "deterministic pipeline: {0}")
  @ValueSource(booleans = {false, true})
  void laterEpochsAreTheSameWithoutReadingTheFilesAgain(boolean deterministic) throws Exception {
    DemoDataset.generate(dir.resolve("data"), 5, 1, 3);
    Path root = dir.resolve("data/train");
    Pipeline pipeline = deterministic
        ? new Pipeline(List.of(Transforms.resizeShorter(40), Transforms.centerCrop(32)), Normalization.IMAGENET, 32)
        : new Pipeline(List.of(Transforms.randomResizedCrop(32), Transforms.randomHorizontalFlip(0.5)),
            Normalization.IMAGENET, 32);
    List<Batch> expected;
    try (DataLoader reference = loader(root, pipeline, 0)) {
      expected = epoch(reference, 1);
    }
    try (DataLoader cached = loader(root, pipeline, 1L << 30); DataLoader uncached = loader(root, pipeline, 0)) {
      epoch(cached, 0);
      epoch(uncached, 0);
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          Files.delete(f);
        }
      }
      List<Batch> fromCache = epoch(cached, 1);
      assertEquals(expected.size(), fromCache.size());
      for (int b = 0; b < expected.size(); b++) {
        assertArrayEquals(expected.get(b).indices(), fromCache.get(b).indices(), "batch " + b);
        assertArrayEquals(expected.get(b).images(), fromCache.get(b).images(), "batch " + b);
      }
      assertEquals(0, cached.skippedImages());
      // nothing kept: every file is gone, so every image is skipped and the epoch is an error
      org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class, () -> epoch(uncached, 1));
      assertEquals(uncached.dataset().size(), uncached.skippedImages());
    }
  }
}
