package dev.tfjtransfer.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A TTA prediction is the mean of the plain predictions of its views, computed one by one. */
class PredictorTtaTest {
  @Test
  void ttaAveragesTheSoftmaxOfEachView() {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(4), 32, 32, SessionOptions.defaults())) {
      List<RgbImage> images = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(3);
      for (int i = 0; i < 3; i++) {
        byte[] px = new byte[41 * 37 * 3];
        random.nextBytes(px);
        images.add(new RgbImage(41, 37, px));
      }
      Pipeline eval = new Pipeline(List.of(Transforms.centerCrop(32)), Normalization.IMAGENET, 32);
      Predictor plain = new Predictor(model, eval, 4);
      for (TestTimeAugmentation tta : List.of(TestTimeAugmentation.FLIP, TestTimeAugmentation.TEN_CROP)) {
        // batch 3: views of one image straddle forward passes
        List<Prediction> averaged = new Predictor(model, eval, 3, tta).predict(images);
        for (int i = 0; i < images.size(); i++) {
          List<Prediction> views = plain.predict(tta.views(images.get(i), eval));
          float[] mean = new float[4];
          for (Prediction v : views) {
            for (int c = 0; c < 4; c++) {
              mean[c] += v.probabilities()[c] / views.size();
            }
          }
          assertEquals(tta.views(), views.size());
          assertArrayEquals(mean, averaged.get(i).probabilities(), 1e-5f, tta + " image " + i);
        }
      }
    }
  }
}
