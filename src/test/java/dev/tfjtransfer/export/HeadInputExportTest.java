package dev.tfjtransfer.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * An exported convnext_tiny with a new head: torchvision keeps LayerNorm2d and Flatten inside its
 * classifier, so the {@code features} signature must return classifier.1's output,
 * torch's {@code classifier[:2](avgpool(features(x)))}, for the same weights and PNG images
 * (make_head_input_refs.py), and {@code serving_default} torch's logits.
 */
class HeadInputExportTest {
  private static final int SIZE = 64;
  private static final List<String> CLASSES = List.of("ants", "bees", "wasps");

  @TempDir
  Path dir;

  @Test
  void convnextFeaturesSignatureReturnsTorchvisionsClassifierInput() throws Exception {
    Path refs = TorchReferences.generate("make_head_input_refs.py", "head-input-refs");
    StateDict torch = Safetensors.read(refs.resolve("refs.safetensors"));
    // resize == crop == the PNGs' size: the in-graph eval transforms leave the pixels as they are
    Path version = SavedModelExporter.export(new SavedModelExporter.Spec("convnext_tiny", HeadSpec.linear(3),
        Safetensors.read(refs.resolve("convnext_tiny.safetensors")), CLASSES,
        new EvalPreset(SIZE, SIZE, Interpolation.BILINEAR, Normalization.IMAGENET)), dir.resolve("insects")).version();

    byte[][] pngs = {Files.readAllBytes(refs.resolve("images/0.png")), Files.readAllBytes(refs.resolve("images/1.png"))};
    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
        TString bytes = TString.tensorOfBytes(NdArrays.vectorOfObjects(pngs));
        TFloat32 pixels = TFloat32.tensorOf(Shape.of(2, SIZE, SIZE, 3))) {
      pixels.asRawTensor().data().asFloats().write(torch.get("pixels").floats());
      try (Result features = bundle.function(SavedModelExporter.FEATURES_SIGNATURE).call(Map.of("image_bytes", bytes));
          Result classes = bundle.function(SavedModelExporter.SIGNATURE).call(Map.of("images", pixels))) {
        double featureError = assertClose(torch.get("features").shape(), torch.get("features").floats(),
            features.get(SavedModelExporter.FEATURES_OUTPUT).orElseThrow());
        double logitError = assertClose(torch.get("logits").shape(), torch.get("logits").floats(),
            classes.get("logits").orElseThrow());
        System.out.printf("convnext_tiny export vs torch: features %.2e, logits %.2e (max |difference| / max |value|)%n",
            featureError, logitError);
      }
    }
  }

  /** Asserts {@code actual} is within 1e-4 of torch's values, relative to their largest, and returns the difference. */
  private static double assertClose(long[] shape, float[] expected, org.tensorflow.Tensor actual) {
    assertArrayEquals(shape, actual.shape().asArray());
    float[] values = new float[expected.length];
    actual.asRawTensor().data().asFloats().read(values);
    double error = Arrays4d.maxAbsDiff(expected, values) / Arrays4d.maxAbs(expected);
    assertTrue(error < 1e-4, "relative difference " + error + ": " + Arrays.toString(Arrays.copyOf(values, 4))
        + " vs torch " + Arrays.toString(Arrays.copyOf(expected, 4)));
    return error;
  }
}
