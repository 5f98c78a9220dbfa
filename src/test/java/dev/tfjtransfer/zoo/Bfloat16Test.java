package dev.tfjtransfer.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * bf16 (oneDNN auto mixed precision) against f32 on torchvision-initialized ResNet-18 weights with
 * random BatchNorm statistics: logits within 2% of the largest logit, and the same top-1 class on
 * at least 99% of the images.
 */
class Bfloat16Test {
  @Test
  void bf16LogitsStayWithinTwoPercentOfF32() throws Exception {
    Path refs = TorchReferences.generate("make_torchvision_refs.py", "parity-refs");
    StateDict weights = StateDict.read(refs.resolve("resnet18-zip.pth"));
    int n = 64;
    int size = 128;
    float[] images = new float[n * size * size * 3];
    SplittableRandom random = new SplittableRandom(21);
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) random.nextGaussian();
    }
    float[] f32 = logits(weights, images, n, size, SessionOptions.Precision.F32);
    float[] bf16 = logits(weights, images, n, size, SessionOptions.Precision.BF16);
    double relative = Arrays4d.maxAbsDiff(f32, bf16) / Arrays4d.maxAbs(f32);
    int agree = 0;
    for (int row = 0; row < n; row++) {
      agree += Arrays4d.argmax(f32, row, 1000) == Arrays4d.argmax(bf16, row, 1000) ? 1 : 0;
    }
    System.out.printf("bf16 vs f32: max |logit diff| %.4f of the largest logit, top-1 agreement %d/%d%n",
        relative, agree, n);
    assertTrue(relative <= 0.02, "relative logit error " + relative);
    assertTrue(agree >= 0.99 * n, "top-1 agreement " + agree + "/" + n);
  }

  private static float[] logits(StateDict weights, float[] images, int n, int size, SessionOptions.Precision p) {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(1000), size, size,
        SessionOptions.defaults().withPrecision(p))) {
      model.loadStateDict(weights, LoadMode.STRICT);
      return model.predict(images, n);
    }
  }
}
