package dev.tfjtransfer.train;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.TestTimeAugmentation;
import java.util.Iterator;
import java.util.function.IntFunction;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Batches as tensors ready to feed, in a loader's batch order: its decoded images, or rows of
 * cached backbone features fed at the layer {@code startPath} instead of the images.
 *
 * @param startPath the layer whose output the feed replaces, or null when it feeds the images
 */
record FeedSource(DataLoader loader, String startPath, IntFunction<FeedSource.FeedEpoch> epochs) {
  /**
   * A batch's input, labels and samples' dataset indices; the caller closes it. With test-time
   * augmentation each sample is {@code tta.views()} consecutive rows of the input.
   */
  record Feed(TFloat32 input, TInt32 labels, int[] labelValues, int[] indices, TestTimeAugmentation tta)
      implements AutoCloseable {

    int size() {
      return labelValues.length;
    }

    @Override
    public void close() {
      input.close();
      labels.close();
    }
  }

  /** One epoch's feeds; closing it early cancels prefetching. */
  interface FeedEpoch extends Iterator<Feed>, AutoCloseable {
    @Override
    void close();
  }

  int batches() {
    return loader.batchesPerEpoch();
  }

  /** Epoch {@code epoch}'s feeds, in the loader's order. */
  FeedEpoch epoch(int epoch) {
    return epochs.apply(epoch);
  }

  static FeedSource images(DataLoader loader) {
    return images(loader, TestTimeAugmentation.NONE);
  }

  /** The loader's images, each sample as its {@code tta} views. */
  static FeedSource images(DataLoader loader, TestTimeAugmentation tta) {
    return new FeedSource(loader, null, epoch -> {
      DataLoader.Epoch it = loader.epoch(epoch, tta);
      return feeds(it, () -> {
        Batch batch = it.next();
        return new Feed(batch.imagesTensor(), batch.labelsTensor(), batch.labels(), batch.indices(), tta);
      }, it::close);
    });
  }

  /**
   * Rows of {@code features} (by sample index) in the batch order {@code loader} would use; a null
   * row is an image the loader skipped as unreadable, and is left out of its batch as it would be.
   */
  static FeedSource cached(DataLoader loader, float[][] features, String path) {
    int width = java.util.Arrays.stream(features).filter(java.util.Objects::nonNull).findFirst()
        .orElseThrow(() -> new IllegalStateException("no image of " + loader.dataset().size() + " was readable"))
        .length;
    return new FeedSource(loader, path, epoch -> {
      Iterator<int[]> batches = loader.batchIndices(epoch).iterator();
      return feeds(batches, () -> {
        int[] indices = java.util.Arrays.stream(batches.next()).filter(i -> features[i] != null).toArray();
        float[] rows = new float[indices.length * width];
        int[] labels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
          System.arraycopy(features[indices[i]], 0, rows, i * width, width);
          labels[i] = loader.dataset().label(indices[i]);
        }
        TFloat32 input = TFloat32.tensorOf(Shape.of(indices.length, width));
        input.asRawTensor().data().asFloats().write(rows);
        return new Feed(input, TInt32.vectorOf(labels), labels, indices, TestTimeAugmentation.NONE);
      }, () -> {});
    });
  }

  private static FeedEpoch feeds(Iterator<?> source, java.util.function.Supplier<Feed> next, Runnable close) {
    return new FeedEpoch() {
      @Override
      public boolean hasNext() {
        return source.hasNext();
      }

      @Override
      public Feed next() {
        return next.get();
      }

      @Override
      public void close() {
        close.run();
      }
    };
  }
}
