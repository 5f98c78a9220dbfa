package dev.tfjtransfer.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.nn.Mode;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The zoo against torchvision: models with seeded random weights and random BatchNorm statistics,
 * saved by torch as .pth (zip or legacy; both for resnet18, densenet121, regnet_y_400mf,
 * mobilenet_v2, mobilenet_v3_large and efficientnet_b0), read and converted here, must give
 * torch's eval-mode logits within 1e-4 of the largest reference logit, with the same argmax, at
 * 224x224 and at odd sizes (which exercise stride-2 padding, max-pool padding and adaptive
 * pooling bins).
 */
class TorchvisionParityTest {
  private static final double RELATIVE_TOLERANCE = 1e-4;
  private static Path refs;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_torchvision_refs.py", "parity-refs");
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet18", "densenet121", "regnet_y_400mf"})
  void zipAndLegacyPthGiveTorchvisionLogits(String architecture) throws Exception {
    StateDict zip = StateDict.read(refs.resolve(architecture + "-zip.pth"));
    StateDict legacy = StateDict.read(refs.resolve(architecture + "-legacy.pth"));
    for (String name : legacy.names()) {
      assertTrue(zip.contains(name), "legacy file's " + name + " is not in the zip file");
    }
    for (String name : zip.names()) {
      if (!legacy.contains(name)) {
        // torchvision's older files (densenet's) predate the BatchNorm counter
        assertTrue(name.endsWith(".num_batches_tracked"), name + " is missing from the legacy file");
        continue;
      }
      HostTensor a = zip.get(name);
      HostTensor b = legacy.get(name);
      assertArrayEquals(a.shape(), b.shape(), name);
      if (a.dtype() == dev.tfjtransfer.weights.DType.F32) {
        assertArrayEquals(a.floats(), b.floats(), name);
      } else {
        assertArrayEquals(a.longs(), b.longs(), name);
      }
    }
    checkLogits(architecture, HeadSpec.linear(1000), legacy);
  }

  /**
   * The other families and sizes from one file each: vgg16 in the legacy format of torchvision's
   * published file, the families with depthwise convolutions and squeeze-excitation. (Every zoo row
   * at its own eval size, the larger EfficientNets among them, is in ModelZooParityTest.)
   */
  @ParameterizedTest
  @CsvSource({"resnet34, zip", "resnet50, zip", "vgg16, legacy", "resnext50_32x4d, zip", "convnext_tiny, zip",
      "mobilenet_v2, legacy", "mobilenet_v3_large, legacy", "mobilenet_v3_small, zip",
      "efficientnet_b0, legacy", "efficientnet_b1, zip", "efficientnet_b2, zip", "efficientnet_b3, zip",
      "efficientnet_b4, zip", "efficientnet_v2_s, zip"})
  void onePthFileGivesTorchvisionLogits(String architecture, String format) throws Exception {
    checkLogits(architecture, HeadSpec.linear(1000), StateDict.read(refs.resolve(architecture + "-" + format + ".pth")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"vgg16_mlp5"})
  void customMlpHeadWithAdaptivePoolingMatchesTorch(String name) throws Exception {
    checkLogits("vgg16", HeadSpec.mlp(5, 3, List.of(512, 128), 0.5f), StateDict.read(refs.resolve(name + "-zip.pth")),
        name);
  }

  private static void checkLogits(String architecture, HeadSpec head, StateDict weights) throws Exception {
    checkLogits(architecture, head, weights, architecture);
  }

  private static void checkLogits(String architecture, HeadSpec head, StateDict weights, String refName)
      throws Exception {
    StateDict io = StateDict.read(refs.resolve(refName + "-io.safetensors"));
    try (Model model = ModelZoo.create(architecture, head, 224, 224, SessionOptions.defaults())) {
      LoadReport report = model.loadStateDict(weights, LoadMode.STRICT);
      assertTrue(report.isComplete(), report.problems(5));
      for (int i = 0; io.contains("input" + i); i++) {
        HostTensor input = io.get("input" + i);
        HostTensor expected = io.get("logits" + i);
        float[] actual = forward(model, input);
        double scale = Arrays4d.maxAbs(expected.floats());
        double error = Arrays4d.maxAbsDiff(actual, expected.floats());
        System.out.printf("%s input %s: max |logit diff| %.3g, max |logit| %.3g, relative %.3g%n", refName,
            input.shapeString(), error, scale, error / scale);
        assertTrue(error <= RELATIVE_TOLERANCE * scale, refName + " input " + input.shapeString()
            + ": max |diff| " + error + " > " + RELATIVE_TOLERANCE + " x " + scale);
        int classes = (int) expected.shape()[1];
        for (int row = 0; row < expected.shape()[0]; row++) {
          assertEquals(Arrays4d.argmax(expected.floats(), row, classes), Arrays4d.argmax(actual, row, classes),
              refName + " argmax of row " + row);
        }
      }
    }
  }

  /** Runs an inference call of the model on an NCHW torch input of any size. */
  static float[] forward(Model model, HostTensor nchw) {
    long[] s = nchw.shape();
    Shape shape = Shape.of(s[0], s[2], s[3], s[1]);
    Placeholder<TFloat32> input = model.tf().placeholder(TFloat32.class, Placeholder.shape(shape));
    Operand<TFloat32> logits = model.call(input, Mode.INFERENCE, BatchNormPolicy.FROZEN_USE_RUNNING_STATS).output();
    try (TFloat32 tensor = TFloat32.tensorOf(shape)) {
      tensor.asRawTensor().data().asFloats().write(Arrays4d.nchwToNhwc(nchw));
      try (Result result = model.session().runner().feed(input, tensor).fetch(logits).run()) {
        TFloat32 out = (TFloat32) result.get(0);
        float[] values = new float[(int) out.shape().size()];
        out.asRawTensor().data().asFloats().read(values);
        return values;
      }
    }
  }
}
