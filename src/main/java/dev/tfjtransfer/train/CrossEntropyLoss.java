package dev.tfjtransfer.train;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code nn.CrossEntropyLoss(label_smoothing=e)}, mean over the batch. Built on dense one-hot
 * targets and SoftmaxCrossEntropyWithLogits because TF 2.18 registers no gradient for the sparse
 * op; the smoothed target (1 - e) * onehot + e / K is torch's definition.
 */
public record CrossEntropyLoss(double labelSmoothing) {
  public CrossEntropyLoss {
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("label_smoothing must be in [0, 1); received: " + labelSmoothing);
    }
  }

  public static CrossEntropyLoss standard() {
    return new CrossEntropyLoss(0);
  }

  Operand<TFloat32> build(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    int classes = (int) logits.shape().get(1);
    float smoothing = (float) labelSmoothing;
    Operand<TFloat32> target = tf.oneHot(labels, tf.constant(classes), tf.constant(1f - smoothing + smoothing / classes),
        tf.constant(smoothing / classes));
    Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, target).loss();
    return tf.math.mean(perExample, tf.constant(0));
  }
}
