package dev.tfjtransfer.nn;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * SiLU for tensors that will be differentiated. Built as {@code x * Sigmoid(x)}, the backward pass
 * keeps three tensors per activation alive: x and Sigmoid(x) for the Mul's gradient, and the output
 * for the next convolution's. Here SiLU is {@code SoftplusGrad(x, StopGradient(x))}, which is
 * x / (exp(-x) + 1), torch's own formula, in one op; its gradient (which TensorFlow's C++ registry
 * lacks, so this class registers it) reads x only and recomputes the sigmoid, as torch's
 * silu_backward does: dy * s * (1 + x * (1 - s)). The output of a SiLU cannot stand in for its
 * input (SiLU is not monotone), so unlike {@link MemoryLeanRelu} x itself must stay.
 */
final class MemoryLeanSilu {
  /** False when something else already defines SoftplusGrad's gradient: then x * Sigmoid(x) is used. */
  private static final boolean GRADIENT_REGISTERED =
      TensorFlow.registerCustomGradient("SoftplusGrad", MemoryLeanSilu::gradient);

  private MemoryLeanSilu() {}

  static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    if (!GRADIENT_REGISTERED) {
      return tf.math.mul(x, tf.math.sigmoid(x));
    }
    return tf.scope().opBuilder("SoftplusGrad", "Silu").addInput(x.asOutput())
        .addInput(tf.stopGradient(x).asOutput()).build().<TFloat32>output(0);
  }

  /**
   * SoftplusGrad(g, f) = g * s with s = sigmoid(f), so d/dg = dy * s and d/df = dy * g * s * (1 - s);
   * for this class's SiLU (f = StopGradient(g)) both terms go to g, as silu_backward.
   */
  @SuppressWarnings("unchecked")
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    Operand<TFloat32> dy = (Operand<TFloat32>) upstream.get(0);
    Operand<TFloat32> g = (Operand<TFloat32>) op.input(0);
    Operand<TFloat32> f = (Operand<TFloat32>) op.input(1);
    boolean silu = f.op().type().equals("StopGradient") && ((GraphOperation) f.op()).input(0).equals(g);
    Operand<TFloat32> s = tf.math.sigmoid(f);
    Operand<TFloat32> one = tf.constant(1f);
    if (silu) {
      Operand<TFloat32> slope = tf.math.mul(s, tf.math.add(one, tf.math.mul(g, tf.math.sub(one, s))));
      return List.of(tf.math.mul(dy, slope), tf.zerosLike(f));
    }
    Operand<TFloat32> dSigmoid = tf.math.mul(s, tf.math.sub(one, s));
    return List.of(tf.math.mul(dy, s), tf.math.mul(tf.math.mul(dy, g), dSigmoid));
  }
}
