package dev.tfjtransfer.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.export.SavedModelExporter;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.train.CrossEntropyLoss;
import dev.tfjtransfer.train.FreezeSpec;
import dev.tfjtransfer.train.OptimizerSpec;
import dev.tfjtransfer.train.OptimizerState;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.TrainingStep;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The tutorial's transfer learning on mobilenet_v3_large: torchvision's 1000-class weights load
 * into a model with a new classifier.3, freezing the child {@code features} leaves no backward op
 * in the backbone and a training step changes only the classifier, and the fine-tuned weights
 * export to a SavedModel whose serving signature gives the model's logits.
 */
class MobileNetV3TransferTest {
  private static final String ARCH = "mobilenet_v3_large";
  private static final int SIZE = 96;
  private static final List<String> CLASSES = List.of("ants", "bees", "wasps", "flies");

  @TempDir
  Path dir;

  @Test
  void newHeadFrozenFeaturesTrainsTheClassifierOnlyAndExports() throws Exception {
    StateDict imagenet = StateDict.read(TorchReferences.generate("make_torchvision_refs.py", "parity-refs")
        .resolve(ARCH + "-zip.pth"));
    HeadSpec head = HeadSpec.linear(CLASSES.size());
    String headPrefix = ModelZoo.headPrefix(ARCH, head);
    assertEquals("classifier.3", headPrefix);
    StateDict trained;
    float[] images = randomImages(2);
    float[] logits;
    try (Model model = ModelZoo.create(ARCH, head, SIZE, SIZE, SessionOptions.defaults())) {
      LoadReport report = model.loadStateDict(imagenet, LoadMode.SKIP_MISMATCHED);
      assertEquals(2, report.mismatched().size(), report.problems(5));
      assertTrue(report.mismatched().stream().allMatch(m -> m.startsWith("classifier.3.")), report.problems(5));
      assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty(), report.problems(5));

      FreezeSpec.of("features").freeze(model, headPrefix);
      assertEquals(List.of("classifier.0.weight", "classifier.0.bias", "classifier.3.weight", "classifier.3.bias"),
          model.trainableWeights().stream().map(Parameter::name).toList());
      TrainingStep step = new TrainingStep(model, List.of(ParamGroup.of("classifier", 0.01, "classifier")),
          OptimizerSpec.Sgd.withMomentum(0.9), new OptimizerState(model), CrossEntropyLoss.standard(),
          BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
      for (Iterator<GraphOperation> it = model.graph().operations(); it.hasNext(); ) {
        String type = it.next().type();
        assertFalse(type.contains("Backprop") || type.startsWith("FusedBatchNormGrad"),
            "backward op " + type + " with a frozen backbone");
      }
      StateDict before = model.stateDict();
      step.run(images, new int[] {0, 3}, new double[] {0.01});
      trained = model.stateDict();
      for (String name : before.names()) {
        boolean changed = !sameValues(before.get(name), trained.get(name));
        assertEquals(name.startsWith("classifier."), changed, name + (changed ? " changed" : " did not change"));
      }
      logits = model.predict(normalized(images), 2);
    }

    Path version = SavedModelExporter.export(new SavedModelExporter.Spec(ARCH, head, trained, CLASSES,
        new EvalPreset(SIZE * 256 / 224, SIZE, Interpolation.BILINEAR, Normalization.IMAGENET)),
        dir.resolve("savedmodels/insects")).version();
    try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
        TFloat32 pixels = TFloat32.tensorOf(Shape.of(2, SIZE, SIZE, 3))) {
      pixels.asRawTensor().data().asFloats().write(images);
      try (Result result = bundle.function(SavedModelExporter.SIGNATURE).call(Map.of("images", pixels))) {
        float[] served = new float[2 * CLASSES.size()];
        result.get("logits").orElseThrow().asRawTensor().data().asFloats().read(served);
        assertTrue(Arrays4d.maxAbsDiff(served, logits) <= 1e-4 * Arrays4d.maxAbs(logits),
            Arrays.toString(served) + " vs " + Arrays.toString(logits));
      }
    }
  }

  private static boolean sameValues(HostTensor a, HostTensor b) {
    return a.dtype() == DType.F32 ? Arrays.equals(a.floats(), b.floats()) : Arrays.equals(a.longs(), b.longs());
  }

  /** Pixel values in [0, 255], what the serving signature takes. */
  private static float[] randomImages(int n) {
    SplittableRandom random = new SplittableRandom(5);
    float[] v = new float[n * SIZE * SIZE * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextInt(256);
    }
    return v;
  }

  private static float[] normalized(float[] pixels) {
    float[] mean = Normalization.IMAGENET.mean();
    float[] std = Normalization.IMAGENET.std();
    float[] v = new float[pixels.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (pixels[i] / 255f - mean[i % 3]) / std[i % 3];
    }
    return v;
  }
}
