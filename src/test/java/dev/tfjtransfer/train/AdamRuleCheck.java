package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Tensor;

/**
 * Checks every element of each Adam(W) step against torch.optim.AdamW's algorithm evaluated in float64
 * on the step's own gradient, which the first moment reveals: g = (m_t - b1 m_{t-1}) / (1 - b1). Then
 * v_t must be b2 v_{t-1} + (1 - b2) g^2, and the weight p_{t-1} (1 - lr wd) - lr m_t / (1 - b1^t) /
 * (sqrt(v_t / (1 - b2^t)) + eps). This judges the update rule apart from the gradients, which in deep
 * train-mode nets can be a chaotic function of the weights (see TorchTrainingParityTest's CHAOTIC).
 */
final class AdamRuleCheck {
  /**
   * Slack in units of lr: the project's float32 constants (0.999f is 1.3e-5 off in 1 - b2) move the
   * update by about 1e-5 lr; a wrong rule (no bias correction, eps outside the bias-corrected root,
   * L2 decay through the moments) moves weights by a sizeable fraction of lr.
   */
  private static final double LR_SLACK = 1e-4;
  private static final double V_RELATIVE_SLACK = 1e-4;

  private final Model model;
  private final OptimizerState state;
  private final Map<String, ParamGroup> groupOf;
  private final OptimizerSpec.Adam adam;
  private Map<String, float[]> weights;
  private Map<String, float[]> slots;
  private int t;

  AdamRuleCheck(Model model, OptimizerState state, TrainingStep step, OptimizerSpec.Adam adam) {
    this.model = model;
    this.state = state;
    this.groupOf = step.groupOf();
    this.adam = adam;
    snapshot();
  }

  /** Checks the step just run against the state before it; returns the worst weight error in units of lr. */
  double checkStep(String name) {
    Map<String, float[]> before = weights;
    Map<String, float[]> slotsBefore = slots;
    snapshot();
    t++;
    double b1 = adam.beta1();
    double b2 = adam.beta2();
    double correction1 = 1 - Math.pow(b1, t);
    double correction2 = 1 - Math.pow(b2, t);
    double worst = 0;
    for (Map.Entry<String, float[]> e : weights.entrySet()) {
      String key = e.getKey();
      ParamGroup group = groupOf.get(key);
      double lr = group.lr();
      double keep = adam.decoupledWeightDecay() ? 1 - lr * group.weightDecay() : 1;
      float[] p0 = before.get(key);
      float[] p1 = e.getValue();
      float[] m0 = slotsBefore.get("optimizer/" + key + "/exp_avg");
      float[] m1 = slots.get("optimizer/" + key + "/exp_avg");
      float[] v0 = slotsBefore.get("optimizer/" + key + "/exp_avg_sq");
      float[] v1 = slots.get("optimizer/" + key + "/exp_avg_sq");
      for (int i = 0; i < p1.length; i++) {
        double g = (m1[i] - b1 * m0[i]) / (1 - b1);
        double gError = 2 * (Math.ulp(m1[i]) + Math.ulp(m0[i])) / (1 - b1);
        double v = b2 * v0[i] + (1 - b2) * g * g;
        double vSlack = V_RELATIVE_SLACK * v + (1 - b2) * (2 * Math.abs(g) + gError) * gError + Math.ulp(v1[i]);
        if (!(Math.abs(v1[i] - v) <= vSlack)) {
          fail(name + " " + key + "[" + i + "]: exp_avg_sq " + v1[i] + ", torch's rule gives " + v + " from exp_avg "
              + m0[i] + " -> " + m1[i]);
        }
        double update = lr * m1[i] / correction1 / (Math.sqrt(v1[i] / correction2) + adam.eps());
        double expected = p0[i] * keep - update;
        double error = Math.abs(p1[i] - expected);
        double slack = LR_SLACK * lr + 2 * Math.ulp(p0[i]) + 2 * Math.ulp((float) update);
        if (!(error <= slack)) {
          fail(name + " " + key + "[" + i + "]: " + p0[i] + " -> " + p1[i] + ", torch's AdamW gives " + expected
              + " (exp_avg " + m1[i] + ", exp_avg_sq " + v1[i] + ")");
        }
        worst = Math.max(worst, error / lr);
      }
    }
    return worst;
  }

  private void snapshot() {
    slots = new LinkedHashMap<>();
    state.values().tensors().forEach((k, v) -> slots.put(k, v.floats()));
    List<Parameter> trainable = model.trainableWeights();
    var runner = model.session().runner();
    trainable.forEach(p -> runner.fetch(p.variable()));
    weights = new LinkedHashMap<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < trainable.size(); i++) {
        Tensor tensor = result.get(i);
        float[] values = new float[(int) tensor.shape().size()];
        tensor.asRawTensor().data().asFloats().read(values);
        weights.put(trainable.get(i).name(), values);
      }
    }
  }
}
