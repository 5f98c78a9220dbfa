package dev.tfjtransfer.data;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A batch of normalized NHWC images and their labels; images that could not be decoded were
 * left out, so {@link #size()} may be smaller than the loader's batch size. With test-time
 * augmentation each sample is {@code views} consecutive images (see {@link TestTimeAugmentation}).
 */
public record Batch(float[] images, int[] labels, int[] indices, int imageSize, int views) {
  public Batch(float[] images, int[] labels, int[] indices, int imageSize) {
    this(images, labels, indices, imageSize, 1);
  }

  /** Samples (not views) in the batch. */
  public int size() {
    return labels.length;
  }

  /** The images as a [size * views, H, W, 3] tensor (one copy of the float buffer); the caller closes it. */
  public TFloat32 imagesTensor() {
    int rows = size() * views;
    TFloat32 tensor = TFloat32.tensorOf(Shape.of(rows, imageSize, imageSize, 3));
    if (images.length == rows * imageSize * imageSize * 3) {
      tensor.asRawTensor().data().asFloats().write(images);
    } else {
      tensor.asRawTensor().data().asFloats().write(images, 0, rows * imageSize * imageSize * 3);
    }
    return tensor;
  }

  public TInt32 labelsTensor() {
    return TInt32.vectorOf(labels);
  }
}
