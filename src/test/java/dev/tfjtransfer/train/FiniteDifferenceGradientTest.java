package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The gradients a training step applies against central finite differences of the loss, on a tiny
 * network with every layer kind (conv, train-mode BatchNorm, ReLU, max pool, adaptive pool with
 * overlapping bins, flatten, dense) and label smoothing. The analytic gradient is read off one
 * plain SGD step with lr 1: g = before - after. ReLU and max pooling make the loss piecewise
 * smooth: where the forward and backward one-sided differences disagree, a kink lies within EPS
 * and the coordinate is skipped (at most a few are).
 */
class FiniteDifferenceGradientTest {
  private static final double EPS = 1e-3;

  @Test
  void stepGradientsMatchFiniteDifferences() {
    SplittableRandom random = new SplittableRandom(17);
    float[] images = new float[6 * 12 * 12 * 3];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) random.nextGaussian();
    }
    int[] labels = {0, 1, 2, 2, 1, 0};
    try (Model model = TinyNet.create()) {
      model.initialize(5);
      TrainingStep step = new TrainingStep(model, List.of(new ParamGroup("all", List.of(), 1.0, 0)),
          new OptimizerSpec.Sgd(0, 0, false), new OptimizerState(model), new CrossEntropyLoss(0.1),
          BatchNormPolicy.ALWAYS_TRAIN_MODE, false);
      StateDict before = model.stateDict();
      step.run(images, labels, new double[] {1.0});
      StateDict after = model.stateDict();

      double base = lossWith(model, step, before, "6.bias", 0, 0, images, labels);
      int checked = 0;
      int kinks = 0;
      for (String name : List.of("0.weight", "1.weight", "1.bias", "6.weight", "6.bias")) {
        float[] start = before.get(name).floats();
        for (int i = 0; i < start.length; i += Math.max(1, start.length / 12)) {
          double analytic = start[i] - after.get(name).floats()[i];
          double forward = (lossWith(model, step, before, name, i, EPS, images, labels) - base) / EPS;
          double backward = (base - lossWith(model, step, before, name, i, -EPS, images, labels)) / EPS;
          double central = (forward + backward) / 2;
          if (!close(forward, backward)) {
            kinks++;
            continue;
          }
          assertTrue(close(central, analytic), name + "[" + i + "]: analytic " + analytic + ", finite difference "
              + central);
          checked++;
        }
      }
      assertTrue(checked >= 30 && kinks <= (checked + kinks) / 8, "checked " + checked + " coordinates, " + kinks + " at kinks");
    }
  }

  private static boolean close(double a, double b) {
    return Math.abs(a - b) <= 1e-3 + 1e-2 * Math.abs(b);
  }

  /** The loss with one weight moved by {@code delta} (lr 0: the step changes no weight). */
  private static double lossWith(Model model, TrainingStep step, StateDict base, String name, int index, double delta,
      float[] images, int[] labels) {
    StateDict moved = new StateDict();
    base.tensors().forEach(moved::put);
    float[] values = base.get(name).floats().clone();
    values[index] += (float) delta;
    moved.put(name, HostTensor.ofFloats(base.get(name).shape(), values));
    model.loadStateDict(moved, LoadMode.STRICT);
    return step.run(images, labels, new double[] {0.0}).loss();
  }
}
