package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each schedule against the learning rates torch's scheduler produced (base lr 0.1). */
class LrScheduleTest {
  private static void check(StateDict refs, String key, LrSchedule schedule, boolean perStep) {
    float[] expected = refs.get(key).floats();
    for (int i = 0; i < expected.length; i++) {
      double lr = perStep ? schedule.lr(0.1, 0, i) : schedule.lr(0.1, i, 0);
      assertEquals(expected[i], lr, 1e-6 * 0.1 + 1e-6 * Math.abs(expected[i]), key + " at " + i);
    }
  }

  @Test
  void schedulesMatchTorch() throws Exception {
    StateDict refs = StateDict.read(TorchReferences.generate("make_training_refs.py", "training-refs")
        .resolve("schedules.safetensors"));
    check(refs, "step_lr_7_0.1", new LrSchedule.StepLR(7, 0.1), false);
    check(refs, "multistep_3_6_0.5", new LrSchedule.MultiStepLR(List.of(3, 6), 0.5), false);
    check(refs, "cosine_10_1e-3", new LrSchedule.Cosine(10, 0, 1, 1e-3), false);
    check(refs, "warmup3_cosine7", new LrSchedule.Cosine(10, 3, 0.1, 0), false);
    check(refs, "onecycle_50", LrSchedule.OneCycle.of(50), true);
  }
}
