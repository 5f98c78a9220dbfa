package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.train.ReduceLROnPlateau.Mode;
import dev.tfjtransfer.train.ReduceLROnPlateau.Monitor;
import dev.tfjtransfer.train.ReduceLROnPlateau.ThresholdMode;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The learning rates of two groups (0.1 and 0.01) against torch's ReduceLROnPlateau fed the same
 * metrics, for each mode, threshold mode, cooldown, per-group min_lr and eps; and a state written
 * to JSON and read back mid-way (as a checkpoint does) continues identically.
 */
class ReduceLROnPlateauTest {
  private static void check(StateDict refs, String name, ReduceLROnPlateau plateau, boolean resumeMidway)
      throws Exception {
    float[] metrics = refs.get("metrics").floats();
    float[] expected = refs.get(name).floats();
    ReduceLROnPlateau.State state = plateau.start(List.of(0.1, 0.01));
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < metrics.length; i++) {
      state = plateau.step(state, metrics[i]);
      if (resumeMidway && i == metrics.length / 2) {
        state = json.readValue(json.writeValueAsString(state), ReduceLROnPlateau.State.class);
      }
      for (int g = 0; g < 2; g++) {
        assertEquals(expected[i * 2 + g], state.lrs().get(g), 1e-6 * expected[i * 2 + g], name + " epoch " + i
            + " group " + g);
      }
    }
  }

  @Test
  void learningRatesFollowTorchs() throws Exception {
    StateDict refs = RecipeReferences.read("plateau.safetensors");
    check(refs, "min_rel", new ReduceLROnPlateau(Monitor.VAL_LOSS, Mode.MIN, 0.5, 2, 1e-4, ThresholdMode.REL, 0,
        List.of(0.0), 1e-8), false);
    check(refs, "min_abs_cooldown", new ReduceLROnPlateau(Monitor.VAL_LOSS, Mode.MIN, 0.3, 1, 0.02,
        ThresholdMode.ABS, 2, List.of(0.0), 1e-8), true);
    check(refs, "max_rel_minlr", new ReduceLROnPlateau(Monitor.VAL_ACCURACY, Mode.MAX, 0.1, 0, 0.01,
        ThresholdMode.REL, 0, List.of(0.002, 0.0005), 1e-8), true);
    check(refs, "min_eps", new ReduceLROnPlateau(Monitor.VAL_LOSS, Mode.MIN, 0.5, 0, 1e-4, ThresholdMode.REL, 0,
        List.of(0.004), 0.003), false);
  }
}
