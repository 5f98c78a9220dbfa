package dev.tfjtransfer.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * torchvision's StochasticDepth(p, "row"): in training whole samples are dropped at rate p and the
 * rest scaled by 1 / (1 - p), the masks depend only on the step's seed; identity in inference.
 */
class StochasticDepthTest {
  private static final float RATE = 0.3f;
  private static final int SAMPLES = 4000;
  private static final int VALUES_PER_SAMPLE = 2 * 2 * 3;

  @Test
  void dropsWholeSamplesAtTheRateInTrainingAndIsIdentityInInference() {
    float[] ones = new float[SAMPLES * VALUES_PER_SAMPLE];
    Arrays.fill(ones, 1f);
    try (Model model = Model.build("sd", new StochasticDepth("", RATE), 2, 2, new SessionOptions(2, 1))) {
      Placeholder<TInt64> seed = model.tf().placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      Operand<TFloat32> training = model.call(model.images(), Mode.TRAINING, BatchNormPolicy.ALWAYS_TRAIN_MODE, seed)
          .output();
      float[] step1 = run(model, training, seed, ones, 1);
      int dropped = 0;
      for (int sample = 0; sample < SAMPLES; sample++) {
        float first = step1[sample * VALUES_PER_SAMPLE];
        assertTrue(first == 0f || first == 1f / (1 - RATE), "sample " + sample + " scaled by " + first);
        for (int i = 1; i < VALUES_PER_SAMPLE; i++) {
          assertEquals(first, step1[sample * VALUES_PER_SAMPLE + i], "sample " + sample + " is kept or dropped whole");
        }
        dropped += first == 0f ? 1 : 0;
      }
      double sigma = Math.sqrt(SAMPLES * RATE * (1 - RATE));
      assertEquals(SAMPLES * RATE, dropped, 4 * sigma, "dropped samples of " + SAMPLES);

      assertArrayEquals(step1, run(model, training, seed, ones, 1), "the same step draws the same masks");
      assertFalse(Arrays.equals(step1, run(model, training, seed, ones, 2)), "another step draws other masks");
      // in inference the layer adds no op: its output is the images placeholder itself
      assertEquals(model.images().asOutput(), model.logits().asOutput(), "inference is the identity");
    }
  }

  private static float[] run(Model model, Operand<TFloat32> output, Placeholder<TInt64> seed, float[] images,
      long step) {
    model.ensureInitialized();
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(SAMPLES, 2, 2, 3)); TInt64 s = TInt64.vectorOf(11, step)) {
      x.asRawTensor().data().asFloats().write(images);
      try (Result r = model.session().runner().feed(model.images(), x).feed(seed, s).fetch(output).run()) {
        float[] values = new float[images.length];
        ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(values);
        return values;
      }
    }
  }
}
