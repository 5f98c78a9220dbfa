package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;

/** Replays torch's recorded batches through a training step and compares the resulting states. */
final class TorchStepReplay {
  /** Updates below this fraction of a tensor's largest value are float noise. */
  private static final double NOISE_UPDATE = 1e-5;

  private TorchStepReplay() {}

  /** Runs {@code steps} steps on io's input{i}/labels{i}, checking each loss against torch's. */
  static void replay(String name, TrainingStep step, List<ParamGroup> groups, StateDict io, int steps,
      float[] expectedLosses) {
    double[] lrs = groups.stream().mapToDouble(ParamGroup::lr).toArray();
    for (int i = 0; i < steps; i++) {
      long[] labels = io.get("labels" + i).longs();
      int[] y = new int[labels.length];
      for (int j = 0; j < y.length; j++) {
        y[j] = (int) labels[j];
      }
      TrainingStep.StepResult result = step.run(Arrays4d.nchwToNhwc(io.get("input" + i)), y, lrs);
      assertEquals(expectedLosses[i], result.loss(), 1e-4 * Math.abs(expectedLosses[i]), name + " loss of step " + i);
    }
  }

  /**
   * Every tensor of {@code expected} within {@code paramTolerance} of its largest value, and every
   * weight's update (final - initial) within {@code updateTolerance} of its largest update.
   */
  static void compareStates(String name, StateDict initial, StateDict expected, StateDict actual,
      double paramTolerance, double updateTolerance) {
    double worstParam = 0;
    double worstUpdate = 0;
    String worstUpdateName = "";
    for (String key : actual.names()) {
      HostTensor want = expected.get(key);
      HostTensor got = actual.get(key);
      if (want.dtype() == DType.I64) {
        assertArrayEquals(want.longs(), got.longs(), name + " " + key);
        continue;
      }
      double scale = Math.max(Arrays4d.maxAbs(want.floats()), 1e-12);
      double error = Arrays4d.maxAbsDiff(want.floats(), got.floats()) / scale;
      worstParam = Math.max(worstParam, error);
      assertTrue(error <= paramTolerance, name + " " + key + ": relative error " + error);
      float[] start = initial.get(key).floats();
      float[] wantDelta = delta(want.floats(), start);
      double deltaScale = Arrays4d.maxAbs(wantDelta);
      if (deltaScale > 0) {
        // floor: weights whose exact gradient is zero (a bias that train-mode BatchNorm cancels)
        // move by float noise in both frameworks, which need not agree
        double updateError = Arrays4d.maxAbsDiff(wantDelta, delta(got.floats(), start))
            / Math.max(deltaScale, NOISE_UPDATE * scale);
        if (updateError > worstUpdate) {
          worstUpdate = updateError;
          worstUpdateName = key;
        }
        assertTrue(updateError <= updateTolerance, name + " " + key + ": update differs by " + updateError
            + " of its largest value");
      } else {
        // torch left it unchanged; allow one ulp of float noise where the exact gradient is zero
        // (a bias followed by a linear layer and train-mode BatchNorm, which cancels it)
        float[] end = got.floats();
        for (int i = 0; i < start.length; i++) {
          assertTrue(Math.abs(end[i] - start[i]) <= Math.ulp(start[i]), name + " " + key + "[" + i + "] must not"
              + " change: " + start[i] + " -> " + end[i]);
        }
      }
    }
    System.out.printf("%s: worst parameter error %.3g (relative), worst update error %.3g (%s)%n", name, worstParam,
        worstUpdate, worstUpdateName);
  }

  private static float[] delta(float[] end, float[] start) {
    float[] d = new float[end.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = end[i] - start[i];
    }
    return d;
  }
}
