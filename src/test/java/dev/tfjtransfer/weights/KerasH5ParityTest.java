package dev.tfjtransfer.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keras .h5 weights against an independent forward pass with Keras' semantics. The reference
 * (tests/parity/make_keras_refs.py) writes seeded random weights in keras.applications' exact HDF5
 * layout with h5py, and computes logits with torch.nn.functional the Keras way: BGR input minus the
 * caffe mean, HWIO kernels, NHWC flatten before fc1 (by permuting the activation, where the
 * converter permutes fc1's weights instead), ResNet v1 strides and BatchNorm eps 1.001e-5.
 */
class KerasH5ParityTest {
  private static Path refs;
  private static StateDict io;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_keras_refs.py", "keras-refs");
    io = StateDict.read(refs.resolve("keras-io.safetensors"));
  }

  private static void check(String architecture, String file, String logitsKey) throws Exception {
    StateDict weights = StateDict.read(refs.resolve(file));
    assertEquals(architecture, weights.metadata().get("arch"));
    Normalization normalization = Normalization.fromMetadata(weights.metadata()).orElseThrow();
    float[] rgb = io.get("images").floats();
    float[] input = new float[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      input[i] = (rgb[i] / 255f - normalization.mean()[i % 3]) / normalization.std()[i % 3];
    }
    try (Model model = ModelZoo.create(architecture, HeadSpec.linear(1000), 224, 224, SessionOptions.defaults())) {
      LoadReport report = model.loadStateDict(weights, LoadMode.STRICT);
      assertTrue(report.isComplete(), report.problems(5));
      float[] actual = model.predict(input, 2);
      float[] expected = io.get(logitsKey).floats();
      double scale = Arrays4d.maxAbs(expected);
      double error = Arrays4d.maxAbsDiff(actual, expected);
      System.out.printf("%s from %s: max |logit diff| %.3g, max |logit| %.3g, relative %.3g%n", architecture, file,
          error, scale, error / scale);
      assertTrue(error <= 1e-4 * scale, architecture + ": relative error " + error / scale);
      for (int row = 0; row < 2; row++) {
        assertEquals(Arrays4d.argmax(expected, row, 1000), Arrays4d.argmax(actual, row, 1000));
      }
    }
  }

  @Test
  void kerasVgg16GivesKerasLogits() throws Exception {
    check("vgg16", "vgg16.h5", "vgg16_logits");
  }

  @Test
  void kerasResNet50GivesKerasLogits() throws Exception {
    check("resnet50_keras", "resnet50.h5", "resnet50_logits");
  }

  @Test
  void notopFileHoldsTheSameFeaturesAndLoadsUnderANewHead() throws Exception {
    StateDict full = StateDict.read(refs.resolve("vgg16.h5"));
    StateDict notop = KerasConversion.convert(refs.resolve("vgg16_notop.h5"), "vgg16");
    assertEquals(26, notop.size());
    assertFalse(notop.contains("classifier.0.weight"));
    for (String name : notop.names()) {
      assertArrayEquals(full.get(name).floats(), notop.get(name).floats(), name);
    }
    try (Model model = ModelZoo.create("vgg16", HeadSpec.linear(5), 64, 64, SessionOptions.defaults())) {
      LoadReport report = model.loadStateDict(notop, LoadMode.SKIP_MISMATCHED);
      assertEquals(26, report.loaded().size());
      assertTrue(report.missing().stream().allMatch(n -> n.startsWith("classifier.")), report.missing().toString());
    }
  }

  @Test
  void fileOfNoKnownArchitectureListsItsLayers() {
    IOException e = assertThrows(IOException.class, () -> StateDict.read(refs.resolve("mystery.h5")));
    assertTrue(e.getMessage().contains("mystery.h5") && e.getMessage().contains("fits no known Keras architecture")
        && e.getMessage().contains("dense_1, dense_2"), e.getMessage());
  }
}
