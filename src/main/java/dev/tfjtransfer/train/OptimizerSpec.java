package dev.tfjtransfer.train;

/**
 * An optimizer with PyTorch's update rule; learning rates and weight decay come from the
 * {@link ParamGroup}s.
 */
public sealed interface OptimizerSpec permits OptimizerSpec.Sgd, OptimizerSpec.Adam {

  /**
   * {@code torch.optim.SGD}: d = g + wd * p; buf = momentum * buf + (1 - dampening) * d (buf = d
   * on the first step); p -= lr * (nesterov ? d + momentum * buf : buf).
   */
  record Sgd(double momentum, double dampening, boolean nesterov) implements OptimizerSpec {
    public Sgd {
      if (momentum < 0 || dampening < 0 || dampening > 1) {
        throw new IllegalArgumentException("need momentum >= 0 and dampening in [0, 1]; received: momentum=" + momentum
            + ", dampening=" + dampening);
      }
      if (nesterov && (momentum <= 0 || dampening != 0)) {
        throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening (as in torch)");
      }
    }

    public static Sgd withMomentum(double momentum) {
      return new Sgd(momentum, 0, false);
    }
  }

  /**
   * {@code torch.optim.Adam} (weight decay added to the gradient) or, with
   * {@code decoupledWeightDecay}, {@code torch.optim.AdamW} (p *= 1 - lr * wd before the step).
   */
  record Adam(double beta1, double beta2, double eps, boolean decoupledWeightDecay) implements OptimizerSpec {
    public Adam {
      if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0)) {
        throw new IllegalArgumentException("need betas in [0, 1) and eps > 0; received: betas=(" + beta1 + ", " + beta2
            + "), eps=" + eps);
      }
    }

    public static Adam adam() {
      return new Adam(0.9, 0.999, 1e-8, false);
    }

    public static Adam adamW() {
      return new Adam(0.9, 0.999, 1e-8, true);
    }
  }
}
