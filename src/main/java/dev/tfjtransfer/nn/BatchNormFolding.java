package dev.tfjtransfer.nn;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.OperationAttributeInspector;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * Folds a BatchNorm that normalizes with running statistics into the convolution before it, for
 * bf16 graphs. Grappler fuses Conv2D + FusedBatchNorm only in float32; under its bf16 auto mixed
 * precision the BatchNorm stays a separate pass over the activations (13% of resnet50's bf16
 * inference step). Scaling the filter per output channel and adding a bias gives Conv2D + BiasAdd,
 * which oneDNN fuses in bf16 too. The unfolded convolution is left without consumers, so it never
 * runs.
 *
 * <p>In a training step whose convolution and BatchNorm are frozen, the folded filter and bias are
 * constants: they live in two variables (not parameters: checkpoints keep the unfolded float32
 * weights) that {@link Model#refreshCachedFolds} recomputes only after the weights they come from
 * changed, so a frozen step does no per-step rescaling (in resnet18's bf16 frozen step that was 61
 * Mul and 20 Rsqrt ops on the filters).
 */
final class BatchNormFolding {
  private BatchNormFolding() {}

  /**
   * conv(x, w * s) + (beta - mean * s) with s = gamma / sqrt(variance + eps), or null when
   * {@code input} is not the output of a Conv2D that nothing else reads.
   */
  static Operand<TFloat32> fold(Ops tf, Operand<TFloat32> input, Operand<TFloat32> gamma, Operand<TFloat32> beta,
      Operand<TFloat32> mean, Operand<TFloat32> variance, float eps) {
    GraphOperation conv = foldableConvolution(input);
    if (conv == null) {
      return null;
    }
    Folded folded = folded(tf, conv, gamma, beta, mean, variance, eps);
    return convolve(tf, conv, folded.filter(), folded.bias());
  }

  /**
   * {@link #fold} of a layer's BatchNorm; in a TRAINING call whose convolution weight and BatchNorm
   * affine weights are all frozen, the folded filter and bias are read from cache variables.
   */
  static Operand<TFloat32> fold(LayerContext context, Operand<TFloat32> input, Parameter gamma, Parameter beta,
      Parameter mean, Parameter variance, float eps) {
    GraphOperation conv = foldableConvolution(input);
    if (conv == null) {
      return null;
    }
    Ops tf = context.tf();
    Folded folded = folded(tf, conv, value(gamma), value(beta), value(mean), value(variance), eps);
    Parameter frozenWeight = context.parameterOf(conv.input(1)).filter(p -> !p.isTrainable()).orElse(null);
    if (context.mode() == Mode.TRAINING && frozenWeight != null && !gamma.isTrainable() && !beta.isTrainable()) {
      Variable<TFloat32> filter = tf.variable(folded.filter().shape(), TFloat32.class);
      Variable<TFloat32> bias = tf.variable(folded.bias().shape(), TFloat32.class);
      context.addCachedFold(tf.withControlDependencies(List.of(tf.assign(filter, folded.filter()),
          tf.assign(bias, folded.bias()))).noOp(), List.of(frozenWeight.name(), gamma.name(), beta.name(), mean.name(),
          variance.name()));
      folded = new Folded(filter, bias);
    }
    return convolve(tf, conv, folded.filter(), folded.bias());
  }

  private record Folded(Operand<TFloat32> filter, Operand<TFloat32> bias) {}

  private static GraphOperation foldableConvolution(Operand<TFloat32> input) {
    return input.op() instanceof GraphOperation conv && conv.type().equals("Conv2D") && conv.numConsumers() == 0
        ? conv : null;
  }

  @SuppressWarnings("unchecked")
  private static Folded folded(Ops tf, GraphOperation conv, Operand<TFloat32> gamma, Operand<TFloat32> beta,
      Operand<TFloat32> mean, Operand<TFloat32> variance, float eps) {
    Operand<TFloat32> scale = tf.math.mul(gamma, tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))));
    // the filter is HWIO: the per-output-channel scale broadcasts over its last axis
    return new Folded(tf.math.mul((Operand<TFloat32>) conv.input(1), scale),
        tf.math.sub(beta, tf.math.mul(mean, scale)));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> convolve(Ops tf, GraphOperation conv, Operand<TFloat32> filter,
      Operand<TFloat32> bias) {
    OperationAttributeInspector attributes = conv.attributes();
    Operand<TFloat32> y = tf.nn.conv2d((Operand<TFloat32>) conv.input(0), filter,
        Arrays.stream(attributes.getAttrIntList("strides")).boxed().toList(), attributes.getAttrString("padding"),
        Conv2d.dilations(Arrays.stream(attributes.getAttrIntList("dilations")).boxed().toList()),
        Conv2d.dataFormat(attributes.getAttrString("data_format")));
    return tf.nn.biasAdd(y, bias);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> value(Parameter p) {
    return (Operand<TFloat32>) p.variable();
  }
}
