package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    float[] losses = new float[steps];
    for (int i = 0; i < steps; i++) {
      losses[i] = runStep(step, groups, io, i);
    }
    return losses;
  }

  /** Runs step {@code i} on io's input{i}/labels{i} and returns its loss. */
  static float runStep(TrainingStep step, List<ParamGroup> groups, StateDict io, int i) {
    double[] lrs = groups.stream().mapToDouble(ParamGroup::lr).toArray();
    long[] labels = io.get("labels" + i).longs();
    int[] y = new int[labels.length];
    for (int j = 0; j < y.length; j++) {
      y[j] = (int) labels[j];
    }
    return step.run(Arrays4d.nchwToNhwc(io.get("input" + i)), y, lrs).loss();
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
    for (Map.Entry<String, TensorError> e : errors(name, initial, expected, actual).entrySet()) {
      TensorError error = e.getValue();
      assertTrue(error.param() <= paramTolerance, name + " " + e.getKey() + ": relative error " + error.param());
      assertTrue(error.update() <= updateTolerance, name + " " + e.getKey() + ": update differs by "
          + error.update() + " of its largest value");
      worstParam = Math.max(worstParam, error.param());
      if (error.update() > worstUpdate) {
        worstUpdate = error.update();
        worstUpdateName = e.getKey();
      }
    }
    System.out.printf("%s: worst parameter error %.3g (relative), worst update error %.3g (%s)%n", name, worstParam,
        worstUpdate, worstUpdateName);
  }

  /**
   * How far each floating-point tensor of {@code actual} is from {@code expected}: max |diff| relative
   * to the tensor's largest value, and the update's (final - initial) max |diff| relative to its
   * largest update (or to {@value #UPDATE_ULPS} float32 ulps of the tensor's largest value, if that is
   * larger; 0 for tensors {@code expected} leaves unchanged, which must stay unchanged). Integer
   * counters must be equal.
   */
  static Map<String, TensorError> errors(String name, StateDict initial, StateDict expected, StateDict actual) {
    Map<String, TensorError> errors = new LinkedHashMap<>();
    for (String key : actual.names()) {
      HostTensor want = expected.get(key);
      HostTensor got = actual.get(key);
      if (want.dtype() == DType.I64) {
        assertArrayEquals(want.longs(), got.longs(), name + " " + key);
        continue;
      }
      double scale = Math.max(Arrays4d.maxAbs(want.floats()), 1e-12);
      double error = Arrays4d.maxAbsDiff(want.floats(), got.floats()) / scale;
      float[] start = initial.get(key).floats();
      float[] wantDelta = delta(want.floats(), start);
      double deltaScale = Arrays4d.maxAbs(wantDelta);
      double updateError = 0;
      if (deltaScale > 0) {
        // no float32 run represents updates below a few ulps of the tensor's values faithfully
        double representable = Math.max(deltaScale, UPDATE_ULPS * Math.ulp((float) scale));
        updateError = Arrays4d.maxAbsDiff(wantDelta, delta(got.floats(), start)) / representable;
      } else {
        // torch left it unchanged; allow one ulp of float noise where the exact gradient is zero
        // (a bias followed by a linear layer and train-mode BatchNorm, which cancels it)
        float[] end = got.floats();
        for (int i = 0; i < start.length; i++) {
          assertTrue(Math.abs(end[i] - start[i]) <= Math.ulp(start[i]), name + " " + key + "[" + i + "] must not"
              + " change: " + start[i] + " -> " + end[i]);
        }
      }
      errors.put(key, new TensorError(error, updateError));
    }
    return errors;
  }

  /** One tensor's relative errors: of its value and of its update. */
  record TensorError(double param, double update) {}

  private static float[] delta(float[] end, float[] start) {
    float[] d = new float[end.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = end[i] - start[i];
    }
    return d;
  }
}
