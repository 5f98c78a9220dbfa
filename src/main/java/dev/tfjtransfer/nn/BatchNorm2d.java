package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Batch normalization with PyTorch's {@code nn.BatchNorm2d} semantics: eps 1e-5, momentum 0.1
 * (new = 0.9 * old + 0.1 * batch), running variance updated with the unbiased batch variance,
 * and a {@code num_batches_tracked} counter. Weights {@code weight}, {@code bias}; buffers
 * {@code running_mean}, {@code running_var}, {@code num_batches_tracked}.
 *
 * <p>In a {@link Mode#TRAINING} call the layer normalizes with batch statistics and updates its
 * running statistics if its weights are trainable, or always under
 * {@link BatchNormPolicy#ALWAYS_TRAIN_MODE}; otherwise it uses its running statistics.
 * TF's FusedBatchNormV3 with {@code exponential_avg_factor} computes torch's update in one op.
 */
public final class BatchNorm2d extends Layer {
  public static final float DEFAULT_EPS = 1e-5f;
  public static final float DEFAULT_MOMENTUM = 0.1f;

  private final long numFeatures;
  private final float eps;
  private final float momentum;
  private Parameter weight;
  private Parameter bias;
  private Parameter runningMean;
  private Parameter runningVar;
  private Parameter numBatchesTracked;

  public BatchNorm2d(String name, long numFeatures) {
    this(name, numFeatures, DEFAULT_EPS, DEFAULT_MOMENTUM);
  }

  public BatchNorm2d(String name, long numFeatures, float eps, float momentum) {
    super(name);
    this.numFeatures = requirePositive("numFeatures", numFeatures);
    if (!(eps > 0) || !(momentum > 0 && momentum <= 1)) {
      throw new IllegalArgumentException("eps must be > 0 and momentum in (0, 1]; received: eps=" + eps
          + ", momentum=" + momentum);
    }
    this.eps = eps;
    this.momentum = momentum;
  }

  @Override
  protected void build(LayerContext context, Shape inputShape) {
    if (inputShape.get(3) != numFeatures) {
      throw new IllegalArgumentException(context.path() + ": expected " + numFeatures + " channels, got shape "
          + inputShape);
    }
    long[] vector = {numFeatures};
    weight = addWeight(context, "weight", vector, Layout.SAME, Initializers.constant(1f));
    bias = addWeight(context, "bias", vector, Layout.SAME, Initializers.constant(0f));
    runningMean = addBuffer(context, "running_mean", DType.F32, vector, Initializers.constant(0f));
    runningVar = addBuffer(context, "running_var", DType.F32, vector, Initializers.constant(1f));
    numBatchesTracked = addBuffer(context, "num_batches_tracked", DType.I64, new long[0], Initializers.zerosLong());
  }

  /** Whether a call in {@code context} normalizes with batch statistics. */
  public boolean usesBatchStatistics(LayerContext context) {
    if (context.mode() != Mode.TRAINING) {
      return false;
    }
    return context.batchNormPolicy() == BatchNormPolicy.ALWAYS_TRAIN_MODE
        || weight.isTrainable() || bias.isTrainable();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Ops tf = context.tf();
    Operand<TFloat32> gamma = (Operand<TFloat32>) weight.variable();
    Operand<TFloat32> beta = (Operand<TFloat32>) bias.variable();
    Operand<TFloat32> mean = (Operand<TFloat32>) runningMean.variable();
    Operand<TFloat32> variance = (Operand<TFloat32>) runningVar.variable();
    if (!usesBatchStatistics(context)) {
      Operand<TFloat32> folded = context.precision() == SessionOptions.Precision.BF16
          ? BatchNormFolding.fold(context, input, weight, bias, runningMean, runningVar, eps) : null;
      if (folded != null) {
        return folded;
      }
      return tf.nn.fusedBatchNorm(input, gamma, beta, mean, variance,
          FusedBatchNorm.epsilon(eps), FusedBatchNorm.isTraining(false)).y();
    }
    FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(input, gamma, beta, mean, variance,
        FusedBatchNorm.epsilon(eps), FusedBatchNorm.isTraining(true), FusedBatchNorm.exponentialAvgFactor(momentum));
    // With exponential_avg_factor < 1 the batch_mean / batch_variance outputs are already the
    // updated running statistics, the variance unbiased as in torch.
    context.addUpdate(tf.assign(mean, bn.batchMean()));
    context.addUpdate(tf.assign(variance, bn.batchVariance()));
    context.addUpdate(tf.assignAdd((Operand<TInt64>) numBatchesTracked.variable(), tf.constant(1L)));
    return bn.y();
  }

  @Override
  public String describe() {
    return "BatchNorm2d(" + numFeatures + ")";
  }
}
