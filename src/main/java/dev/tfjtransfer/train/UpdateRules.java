package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Parameter;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

/**
 * Graph ops applying one optimizer step to one parameter with PyTorch's semantics, using TF's
 * fused training kernels where their arithmetic is torch's (ApplyMomentum is torch's SGD
 * momentum and Nesterov update; ApplyAdam is torch's Adam once epsilon is scaled, see below).
 */
final class UpdateRules {
  private UpdateRules() {}

  @SuppressWarnings("unchecked")
  static Op update(Ops tf, OptimizerSpec spec, OptimizerState state, Parameter p, Operand<TFloat32> grad,
      Operand<TFloat32> lr, double weightDecay) {
    Variable<TFloat32> var = (Variable<TFloat32>) p.variable();
    if (spec instanceof OptimizerSpec.Sgd sgd) {
      return sgd(tf, sgd, state, p, var, withL2(tf, grad, var, weightDecay), lr);
    }
    OptimizerSpec.Adam adam = (OptimizerSpec.Adam) spec;
    return adam(tf, adam, state, p, var, grad, lr, weightDecay);
  }

  private static Operand<TFloat32> withL2(Ops tf, Operand<TFloat32> grad, Operand<TFloat32> var, double weightDecay) {
    return weightDecay == 0 ? grad : tf.math.add(grad, tf.math.mul(tf.constant((float) weightDecay), var));
  }

  private static Op sgd(Ops tf, OptimizerSpec.Sgd sgd, OptimizerState state, Parameter p, Variable<TFloat32> var,
      Operand<TFloat32> grad, Operand<TFloat32> lr) {
    if (sgd.momentum() == 0) {
      return tf.train.applyGradientDescent(var, lr, grad);
    }
    Variable<TFloat32> buffer = state.slot(p, "momentum_buffer", false);
    Operand<TFloat32> momentum = tf.constant((float) sgd.momentum());
    if (sgd.dampening() == 0) {
      return tf.train.applyMomentum(var, buffer, lr, grad, momentum, ApplyMomentum.useNesterov(sgd.nesterov()));
    }
    // torch starts the buffer at d itself, then dampens: scale d by 1 on the first step, else (1 - dampening)
    Variable<TFloat32> step = state.slot(p, "step", true);
    Operand<TFloat32> first = tf.dtypes.cast(tf.math.equal(step, tf.constant(0f)), TFloat32.class);
    float damp = (float) (1 - sgd.dampening());
    Operand<TFloat32> scale = tf.math.add(first, tf.math.mul(tf.math.sub(tf.constant(1f), first), tf.constant(damp)));
    Op apply = tf.train.applyMomentum(var, buffer, lr, tf.math.mul(grad, scale), momentum);
    Op count = tf.withControlDependencies(List.of(apply)).assignAdd(step, tf.constant(1f));
    return tf.withControlDependencies(List.of(apply, count)).noOp();
  }

  /**
   * torch: p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). TF's ApplyAdam computes
   * p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps'), which is torch's update when
   * eps' = eps * sqrt(1 - b2^t).
   */
  private static Op adam(Ops tf, OptimizerSpec.Adam adam, OptimizerState state, Parameter p, Variable<TFloat32> var,
      Operand<TFloat32> grad, Operand<TFloat32> lr, double weightDecay) {
    Variable<TFloat32> m = state.slot(p, "exp_avg", false);
    Variable<TFloat32> v = state.slot(p, "exp_avg_sq", false);
    Variable<TFloat32> step = state.slot(p, "step", true);
    Operand<TFloat32> t = tf.math.add(step, tf.constant(1f));
    Operand<TFloat32> beta1 = tf.constant((float) adam.beta1());
    Operand<TFloat32> beta2 = tf.constant((float) adam.beta2());
    Operand<TFloat32> beta1Power = tf.math.pow(beta1, t);
    Operand<TFloat32> beta2Power = tf.math.pow(beta2, t);
    Operand<TFloat32> epsHat = tf.math.mul(tf.constant((float) adam.eps()),
        tf.math.sqrt(tf.math.sub(tf.constant(1f), beta2Power)));
    Operand<TFloat32> g = grad;
    Ops ordered = tf;
    if (weightDecay != 0 && adam.decoupledWeightDecay()) {
      Operand<TFloat32> keep = tf.math.sub(tf.constant(1f), tf.math.mul(lr, tf.constant((float) weightDecay)));
      Op decay = tf.assign(var, tf.math.mul(var, keep));
      ordered = tf.withControlDependencies(List.of(decay));
    } else {
      g = withL2(tf, grad, var, weightDecay);
    }
    Op apply = ordered.train.applyAdam(var, m, v, beta1Power, beta2Power, lr, beta1, beta2, epsHat, g,
        ApplyAdam.useNesterov(false));
    Op count = tf.withControlDependencies(List.of(apply)).assign(step, t);
    return tf.withControlDependencies(List.of(apply, count)).noOp();
  }
}
