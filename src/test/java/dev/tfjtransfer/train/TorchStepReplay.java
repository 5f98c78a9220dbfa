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
  private static final int UPDATE_ULPS = 16;

  private TorchStepReplay() {}

  /** Runs {@code steps} steps on io's input{i}/labels{i}, checking each loss against torch's. */
  static void replay(String name, TrainingStep step, List<ParamGroup> groups, StateDict io, int steps,
      float[] expectedLosses) {
    float[] losses = run(step, groups, io, steps);
    for (int i = 0; i < steps; i++) {
      assertEquals(expectedLosses[i], losses[i], 1e-4 * Math.abs(expectedLosses[i]), name + " loss of step " + i);
    }
  }

  /** Runs {@code steps} steps on io's input{i}/labels{i} and returns their losses. */
  static float[] run(TrainingStep step, List<ParamGroup> groups, StateDict io, int steps) {
    double[] lrs = groups.stream().mapToDouble(ParamGroup::lr).toArray();
    float[] losses = new float[steps];
    for (int i = 0; i < steps; i++) {
      long[] labels = io.get("labels" + i).longs();
      int[] y = new int[labels.length];
      for (int j = 0; j < y.length; j++) {
        y[j] = (int) labels[j];
      }
      losses[i] = step.run(Arrays4d.nchwToNhwc(io.get("input" + i)), y, lrs).loss();
    }
    return losses;
  }

  /**
   * Every tensor of {@code expected} within {@code paramTolerance} of its largest value, and every
   * weight's update (final - initial) within {@code updateTolerance} of its largest update.
   */
  static void compareStates(String name, StateDict initial, StateDict expected, StateDict actual,
      double paramTolerance, double updateTolerance) {
    Distance d = distance(name, initial, expected, actual);
    assertTrue(d.param() <= paramTolerance, name + " " + d.paramKey() + ": relative error " + d.param());
    assertTrue(d.update() <= updateTolerance, name + " " + d.updateKey() + ": update differs by " + d.update()
        + " of its largest value");
    System.out.printf("%s: worst parameter error %.3g (relative), worst update error %.3g (%s)%n", name, d.param(),
        d.update(), d.updateKey());
  }

  /**
   * How far {@code actual} is from {@code expected}: the worst tensor's max |diff| relative to its
   * largest value, and the worst update's (final - initial) max |diff| relative to its largest update
   * (or to {@value #UPDATE_ULPS} float32 ulps of the tensor's largest value, if that is larger).
   * Integer counters must be equal and tensors that {@code expected} leaves unchanged must stay unchanged.
   */
  static Distance distance(String name, StateDict initial, StateDict expected, StateDict actual) {
    Distance worst = new Distance(0, "", 0, "");
    for (String key : actual.names()) {
      HostTensor want = expected.get(key);
      HostTensor got = actual.get(key);
      if (want.dtype() == DType.I64) {
        assertArrayEquals(want.longs(), got.longs(), name + " " + key);
        continue;
      }
      double scale = Math.max(Arrays4d.maxAbs(want.floats()), 1e-12);
      double error = Arrays4d.maxAbsDiff(want.floats(), got.floats()) / scale;
      if (error > worst.param()) {
        worst = new Distance(error, key, worst.update(), worst.updateKey());
      }
      float[] start = initial.get(key).floats();
      float[] wantDelta = delta(want.floats(), start);
      double deltaScale = Arrays4d.maxAbs(wantDelta);
      if (deltaScale > 0) {
        // no float32 run represents updates below a few ulps of the tensor's values faithfully
        double representable = Math.max(deltaScale, UPDATE_ULPS * Math.ulp((float) scale));
        double updateError = Arrays4d.maxAbsDiff(wantDelta, delta(got.floats(), start)) / representable;
        if (updateError > worst.update()) {
          worst = new Distance(worst.param(), worst.paramKey(), updateError, key);
        }
      } else {
        assertArrayEquals(start, got.floats(), name + " " + key + " must not change");
      }
    }
    return worst;
  }

  /** Worst relative errors of a state and the tensors where they occur. */
  record Distance(double param, String paramKey, double update, String updateKey) {}

  private static float[] delta(float[] end, float[] start) {
    float[] d = new float[end.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = end[i] - start[i];
    }
    return d;
  }
}
