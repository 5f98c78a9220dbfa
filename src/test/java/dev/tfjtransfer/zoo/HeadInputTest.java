package dev.tfjtransfer.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Every family's head input (what cached features, Spark's extraction and the export's
 * {@code features} signature are) is a layer output of the model, as wide as the first Linear of
 * the module that reads it takes, for the pretrained head and an MLP head; where that module is a
 * single Linear, applying its weights to the head input gives the model's logits.
 */
class HeadInputTest {
  private static final int SIZE = 32;
  private static final int CLASSES = 3;

  /** The first architecture of each family in ModelZoo's table. */
  static Stream<String> oneArchitecturePerFamily() {
    var families = new LinkedHashSet<String>();
    return ModelZoo.ARCHITECTURES.stream().filter(a -> families.add(ModelZoo.architecture(a).family()));
  }

  @ParameterizedTest
  @MethodSource("oneArchitecturePerFamily")
  void headInputIsWhatTheHeadReads(String architecture) {
    HeadInput headInput = ModelZoo.headInput(architecture);
    for (HeadSpec head : List.of(HeadSpec.linear(CLASSES), HeadSpec.mlp(CLASSES, 2, List.of(8), 0.5f))) {
      try (Model model = ModelZoo.create(architecture, head, SIZE, SIZE, SessionOptions.defaults())) {
        Parameter firstLinear = model.weights().stream()
            .filter(p -> p.name().startsWith(headInput.consumer() + ".") && p.torchShape().length == 2)
            .findFirst().orElseThrow(() -> new AssertionError(headInput.consumer() + " has no Linear"));
        long inFeatures = firstLinear.torchShape()[1];
        Shape shape = headInput.of(model.inference()).shape();
        assertEquals(2, shape.numDimensions(), architecture + " " + head + ": " + shape);
        assertEquals(inFeatures, shape.get(1), architecture + " " + head + ": " + headInput + " vs "
            + firstLinear.name());
        if (firstLinear.name().equals(headInput.consumer() + ".weight")) {
          assertLinearOfHeadInputIsTheLogits(model, headInput);
        }
      }
    }
  }

  @Test
  void convnextsHeadInputFollowsTheClassifiersLayerNormAndFlatten() {
    assertEquals(new HeadInput("classifier.1", "classifier.2"), ModelZoo.headInput("convnext_tiny"));
    assertEquals(new HeadInput("flatten", "fc"), ModelZoo.headInput("resnet18"));
  }

  private static void assertLinearOfHeadInputIsTheLogits(Model model, HeadInput headInput) {
    int batch = 2;
    float[] images = new float[batch * SIZE * SIZE * 3];
    SplittableRandom random = new SplittableRandom(4);
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) random.nextGaussian();
    }
    model.initialize(2);
    float[] features;
    float[] logits;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(batch, SIZE, SIZE, 3))) {
      x.asRawTensor().data().asFloats().write(images);
      try (Result r = model.session().runner().feed(model.images(), x).fetch(headInput.of(model.inference()))
          .fetch(model.logits()).run()) {
        features = new float[(int) r.get(0).shape().size()];
        logits = new float[batch * CLASSES];
        r.get(0).asRawTensor().data().asFloats().read(features);
        r.get(1).asRawTensor().data().asFloats().read(logits);
      }
    }
    StateDict state = model.stateDict();
    float[] weight = state.get(headInput.consumer() + ".weight").floats(); // torch layout (out, in)
    float[] bias = state.get(headInput.consumer() + ".bias").floats();
    int width = features.length / batch;
    float[] expected = new float[batch * CLASSES];
    for (int n = 0; n < batch; n++) {
      for (int c = 0; c < CLASSES; c++) {
        double sum = bias[c];
        for (int k = 0; k < width; k++) {
          sum += (double) features[n * width + k] * weight[c * width + k];
        }
        expected[n * CLASSES + c] = (float) sum;
      }
    }
    double error = Arrays4d.maxAbsDiff(expected, logits) / Math.max(1e-6, Arrays4d.maxAbs(expected));
    assertTrue(error < 1e-4, model.architecture() + ": " + headInput.consumer() + "(head input) differs from the logits by "
        + error);
  }
}
