package dev.tfjtransfer.train;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import java.util.Iterator;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Batches as tensors ready to feed: decoded images from a {@link DataLoader}, or rows of cached
 * backbone features in the loader's batch order, fed at the layer {@link #startPath()} instead
 * of the images.
 */
interface FeedSource {
  /** A batch's input and labels; the caller closes it. */
  record Feed(TFloat32 input, TInt32 labels, int[] labelValues) implements AutoCloseable {
    int size() {
      return labelValues.length;
    }

    @Override
    public void close() {
      input.close();
      labels.close();
    }
  }

  int batches();

  /** The layer whose output the feed replaces, or null when it feeds the images themselves. */
  String startPath();

  /** One epoch's feeds; closing it early cancels prefetching. */
  interface FeedEpoch extends Iterator<Feed>, AutoCloseable {
    @Override
    void close();
  }

  /** Epoch {@code epoch}'s feeds, in the loader's order. */
  FeedEpoch epoch(int epoch);

  static FeedSource images(DataLoader loader) {
    return new FeedSource() {
      @Override
      public int batches() {
        return loader.batchesPerEpoch();
      }

      @Override
      public String startPath() {
        return null;
      }

      @Override
      public FeedEpoch epoch(int epoch) {
        DataLoader.Epoch it = loader.epoch(epoch);
        return new FeedEpoch() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Feed next() {
            Batch batch = it.next();
            return new Feed(batch.imagesTensor(), batch.labelsTensor(), batch.labels());
          }

          @Override
          public void close() {
            it.close();
          }
        };
      }
    };
  }

  /** Rows of {@code features} (by sample index) in the batch order {@code loader} would use. */
  static FeedSource cached(DataLoader loader, float[][] features, String path) {
    int width = features[0].length;
    return new FeedSource() {
      @Override
      public int batches() {
        return loader.batchesPerEpoch();
      }

      @Override
      public String startPath() {
        return path;
      }

      @Override
      public FeedEpoch epoch(int epoch) {
        Iterator<int[]> batches = loader.batchIndices(epoch).iterator();
        return new FeedEpoch() {
          @Override
          public boolean hasNext() {
            return batches.hasNext();
          }

          @Override
          public Feed next() {
            int[] indices = batches.next();
            float[] rows = new float[indices.length * width];
            int[] labels = new int[indices.length];
            for (int i = 0; i < indices.length; i++) {
              System.arraycopy(features[indices[i]], 0, rows, i * width, width);
              labels[i] = loader.dataset().label(indices[i]);
            }
            TFloat32 input = TFloat32.tensorOf(Shape.of(indices.length, width));
            input.asRawTensor().data().asFloats().write(rows);
            return new Feed(input, TInt32.vectorOf(labels), labels);
          }

          @Override
          public void close() {}
        };
      }
    };
  }
}
