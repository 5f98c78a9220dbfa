package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.weights.StateDict;
import org.junit.jupiter.api.Test;

/**
 * MixUp/CutMix against a re-statement of timm's Mixup(mode='batch') for given draws (mixed images,
 * the corrected lam of a clipped box, smoothed soft targets), and the draws' distribution.
 */
class MixupTest {
  // make_recipe_refs.py's MIX_CASES: (lam, cutmix, cy, cx, smoothing)
  private static final Object[][] CASES = {
      {0.3, false, 0, 0, 0.0}, {0.8, false, 0, 0, 0.1}, {0.55, true, 3, 4, 0.0}, {0.2, true, 0, 9, 0.1},
      {0.9, true, 7, 1, 0.0}};

  @Test
  void mixedBatchAndTargetsEqualTimmsForTheSameDraws() throws Exception {
    StateDict refs = RecipeReferences.read("mixup.safetensors");
    int[] labels = RecipeReferences.ints(refs.get("labels").longs());
    for (int i = 0; i < CASES.length; i++) {
      Object[] c = CASES[i];
      Mixup mixup = new Mixup(1.0, 1.0, 1.0, 0.5, (double) c[4]);
      Mixup.Draw draw = new Mixup.Draw(true, (boolean) c[1], (double) c[0], (int) c[2], (int) c[3]);
      float[] images = Arrays4d.nchwToNhwc(refs.get("x"));
      float[] targets = mixup.apply(draw, images, 5, 8, 10, labels, 3);
      assertEquals(refs.get("lam" + i).floats()[0], Mixup.effectiveLam(draw, 8, 10), 1e-7, "lam of case " + i);
      float[] expected = Arrays4d.nchwToNhwc(refs.get("mixed" + i));
      assertTrue(Arrays4d.maxAbsDiff(expected, images) < 1e-6, "images of case " + i + " differ by "
          + Arrays4d.maxAbsDiff(expected, images));
      assertArrayEquals(refs.get("targets" + i).floats(), targets, 1e-6f, "targets of case " + i);
    }
  }

  @Test
  void drawsFollowProbSwitchProbAndBeta() {
    Mixup mixup = new Mixup(0.4, 1.0, 0.8, 0.3, 0);
    int n = 20000;
    int mixed = 0;
    int cutmix = 0;
    double lamSum = 0;
    double lamSquares = 0;
    int mixups = 0;
    double centerSum = 0;
    for (int step = 0; step < n; step++) {
      Mixup.Draw d = mixup.draw(5, step, 16, 20);
      if (!d.mixed()) {
        continue;
      }
      mixed++;
      if (d.cutmix()) {
        cutmix++;
        centerSum += d.centerY();
        assertTrue(d.centerY() >= 0 && d.centerY() < 16 && d.centerX() >= 0 && d.centerX() < 20);
      } else {
        mixups++;
        lamSum += d.lam();
        lamSquares += d.lam() * d.lam();
      }
    }
    assertEquals(0.8, mixed / (double) n, 4 * Math.sqrt(0.8 * 0.2 / n));
    assertEquals(0.3, cutmix / (double) mixed, 4 * Math.sqrt(0.3 * 0.7 / mixed));
    // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1))
    double mean = lamSum / mixups;
    double variance = lamSquares / mixups - mean * mean;
    assertEquals(0.5, mean, 0.01);
    assertEquals(1 / (4 * (2 * 0.4 + 1)), variance, 0.005);
    assertEquals(7.5, centerSum / cutmix, 0.2);
    // the same (seed, step) draws the same, so a resumed run mixes as the uninterrupted one did
    assertEquals(mixup.draw(5, 123, 16, 20), mixup.draw(5, 123, 16, 20));
  }
}
