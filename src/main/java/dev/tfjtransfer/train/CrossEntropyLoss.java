package dev.tfjtransfer.train;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code nn.CrossEntropyLoss(weight=w, label_smoothing=e)}, mean reduction, for class-index targets
 * ({@link #build}) and for probability targets such as MixUp's ({@link #buildSoft}). Built on dense
 * targets because TF 2.18 registers no gradient for the sparse op; the smoothed target
 * (1 - e) * onehot + e / K is torch's definition.
 *
 * <p>With class weights torch's two reductions differ, and both are kept: for class indices the
 * weighted sum is divided by the sum of the targets' weights, sum_i w[y_i]; for probabilities by
 * the batch size.
 *
 * @param classWeights one weight per class (torch's {@code weight}), or null for none
 */
public record CrossEntropyLoss(double labelSmoothing, List<Double> classWeights) {
  public CrossEntropyLoss {
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("label_smoothing must be in [0, 1); received: " + labelSmoothing);
    }
    if (classWeights != null) {
      classWeights = List.copyOf(classWeights);
      if (classWeights.isEmpty() || classWeights.stream().anyMatch(w -> !(w >= 0 && Double.isFinite(w)))) {
        throw new IllegalArgumentException("class weights must be finite and >= 0, one per class; received: "
            + classWeights);
      }
    }
  }

  public CrossEntropyLoss(double labelSmoothing) {
    this(labelSmoothing, null);
  }

  public static CrossEntropyLoss standard() {
    return new CrossEntropyLoss(0);
  }

  /** The same loss with per-class weights (see {@link ClassWeights#balanced}). */
  public CrossEntropyLoss withClassWeights(List<Double> weights) {
    return new CrossEntropyLoss(labelSmoothing, weights);
  }

  /** Mean loss over class-index targets. */
  Operand<TFloat32> build(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    int classes = classes(logits);
    float smoothing = (float) labelSmoothing;
    Operand<TFloat32> target = tf.oneHot(labels, tf.constant(classes), tf.constant(1f - smoothing + smoothing / classes),
        tf.constant(smoothing / classes));
    if (classWeights == null) {
      return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, target).loss(), tf.constant(0));
    }
    Operand<TFloat32> weights = weights(tf);
    Operand<TFloat32> labelWeights = tf.gather(weights, labels, tf.constant(0));
    return tf.math.div(weightedSum(tf, logits, target, weights), tf.sum(labelWeights, tf.constant(0)));
  }

  /**
   * Mean loss over probability targets {@code [batch, classes]} (timm's SoftTargetCrossEntropy;
   * with weights, torch's cross_entropy on probabilities). The targets are used as given: label
   * smoothing belongs to whoever made them (MixUp applies it, as timm's mixup_target does).
   */
  Operand<TFloat32> buildSoft(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets) {
    if (classWeights == null) {
      // SoftmaxCrossEntropyWithLogits' gradient (softmax - target) assumes rows summing to 1, as these do
      return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss(), tf.constant(0));
    }
    Operand<TFloat32> batch = tf.dtypes.cast(tf.shape.size(tf.shape(logits), tf.constant(0)), TFloat32.class);
    return tf.math.div(weightedSum(tf, logits, targets, weights(tf)), batch);
  }

  private int classes(Operand<TFloat32> logits) {
    int classes = (int) logits.shape().get(1);
    if (classWeights != null && classWeights.size() != classes) {
      throw new IllegalArgumentException(classWeights.size() + " class weights for a model with " + classes
          + " outputs");
    }
    return classes;
  }

  private Operand<TFloat32> weights(Ops tf) {
    float[] w = new float[classWeights.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = classWeights.get(i).floatValue();
    }
    return tf.constant(w);
  }

  /**
   * sum_i sum_c w_c t_ic (-log softmax(z_i)_c), with an explicit log-softmax: the fused op's
   * gradient would be wrong for weighted (non-normalized) target rows.
   */
  private Operand<TFloat32> weightedSum(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> target,
      Operand<TFloat32> weights) {
    classes(logits);
    Operand<TFloat32> shifted = tf.math.sub(logits, tf.stopGradient(tf.max(logits, tf.constant(1),
        Max.keepDims(true))));
    Operand<TFloat32> logSumExp = tf.math.log(tf.sum(tf.math.exp(shifted), tf.constant(1),
        Sum.keepDims(true)));
    Operand<TFloat32> logProbs = tf.math.sub(shifted, logSumExp);
    Operand<TFloat32> weighted = tf.math.mul(target, weights);
    return tf.math.neg(tf.sum(tf.math.mul(weighted, logProbs), tf.constant(new int[] {0, 1})));
  }
}
