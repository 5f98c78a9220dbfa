package dev.tfjtransfer.bench;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.zoo.EvalPreset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Endless input for the timed loop. {@link #advance()} moves to the next batch (for real images
 * this waits for the loader when decoding does not keep up, so that wait counts in the step time);
 * the tensors stay valid until the next call.
 */
abstract class BenchBatches implements AutoCloseable {
  protected TFloat32 images;
  protected TInt32 labels;

  abstract void advance();

  final TFloat32 images() {
    return images;
  }

  final TInt32 labels() {
    return labels;
  }

  protected final void closeBatch() {
    if (images != null) {
      images.close();
      labels.close();
    }
  }

  @Override
  public void close() {
    closeBatch();
  }

  /** One fixed batch of standard-normal pixels and random binary labels, seeded. */
  static BenchBatches synthetic(int batch, int size) {
    SplittableRandom random = new SplittableRandom(0);
    float[] pixels = new float[batch * size * size * 3];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextGaussian();
    }
    int[] classes = new int[batch];
    Arrays.setAll(classes, i -> random.nextInt(2));
    BenchBatches fixed = new BenchBatches() {
      @Override
      void advance() {}
    };
    fixed.images = TFloat32.tensorOf(Shape.of(batch, size, size, 3));
    fixed.images.asRawTensor().data().asFloats().write(pixels);
    fixed.labels = TInt32.vectorOf(classes);
    return fixed;
  }

  /**
   * Batches of an ImageFolder ({@code dir/train} if present) through the tutorial's pipeline for
   * the mode at {@code size} px (RandomResizedCrop(size) + flip, or for eval Resize(size / 0.875)
   * + CenterCrop(size), the 256/224 ratio) on 2 worker threads, epoch after epoch.
   */
  static BenchBatches imageFolder(Path dir, boolean eval, int batch, int size) throws IOException {
    Path root = Files.isDirectory(dir.resolve("train")) ? dir.resolve("train") : dir;
    Pipeline pipeline = eval
        ? Pipeline.imagenetEval(EvalPreset.imagenet((int) (size / 0.875), size, Interpolation.BILINEAR))
        : Pipeline.imagenetTrain(size);
    DataLoader loader = DataLoader.builder(ImageFolder.open(root), pipeline).optBatchSize(batch).optShuffle(true)
        .optDropLast(true).optWorkers(2).build();
    return new BenchBatches() {
      private int epoch;
      private DataLoader.Epoch current = loader.epoch(0);

      @Override
      void advance() {
        closeBatch();
        if (!current.hasNext()) {
          current.close();
          current = loader.epoch(++epoch);
        }
        Batch next = current.next();
        images = next.imagesTensor();
        labels = next.labelsTensor();
      }

      @Override
      public void close() {
        closeBatch();
        current.close();
        loader.close();
      }
    };
  }
}
