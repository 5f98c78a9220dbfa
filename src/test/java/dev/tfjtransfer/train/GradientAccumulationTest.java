package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.nn.AdaptiveAvgPool2d;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Conv2D;
import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Flatten;
import dev.tfjtransfer.nn.MaxPool2d;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.Sequential;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Without BatchNorm, K accumulated batches make the same optimizer step as one batch of all their
 * samples: two steps of SGD with momentum and weight decay, batches of 4+4+4 and of 4+4+2 (the
 * size-weighted mean), every weight within 1e-5 of the big-batch run's.
 */
class GradientAccumulationTest {
  private static Model network() {
    Model model = Model.build("no-bn", new Sequential("",
        Conv2D.builder("0").setChannels(3, 4).setKernel(3).optPadding(1).build(),
        new ReLU("1"),
        new MaxPool2d("2", 2, 2, 0),
        new AdaptiveAvgPool2d("3", 3, 3),
        new Flatten("4"),
        new Dense("5", 36, 3)), 12, 12, new SessionOptions(2, 1));
    model.initialize(11);
    return model;
  }

  private static TrainingStep step(Model model, int accumulation) {
    return new TrainingStep(model, List.of(new ParamGroup("all", List.of(), 0.1, 0.01)),
        OptimizerSpec.Sgd.withMomentum(0.9), new OptimizerState(model), CrossEntropyLoss.standard(),
        BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false, 0, TrainingStep.Targets.CLASS_INDICES, accumulation);
  }

  private static void run(TrainingStep step, float[] images, int[] labels, int from, int to, int stepSamples) {
    int per = 12 * 12 * 3;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(to - from, 12, 12, 3));
        TInt32 y = TInt32.vectorOf(Arrays.copyOfRange(labels, from, to))) {
      x.asRawTensor().data().asFloats().write(Arrays.copyOfRange(images, from * per, to * per));
      step.run(null, x, y, null, new double[] {0.1}, 0, stepSamples);
    }
  }

  private static void check(int[] sizes) {
    int total = Arrays.stream(sizes).sum();
    Random random = new Random(5);
    float[][] images = new float[2][total * 12 * 12 * 3];
    int[][] labels = new int[2][total];
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < images[s].length; i++) {
        images[s][i] = (float) random.nextGaussian();
      }
      for (int i = 0; i < total; i++) {
        labels[s][i] = random.nextInt(3);
      }
    }
    try (Model big = network(); Model accumulated = network()) {
      TrainingStep bigStep = step(big, 1);
      TrainingStep smallSteps = step(accumulated, sizes.length);
      for (int s = 0; s < 2; s++) {
        run(bigStep, images[s], labels[s], 0, total, total);
        int from = 0;
        for (int k = 0; k < sizes.length; k++) {
          run(smallSteps, images[s], labels[s], from, from + sizes[k], k == sizes.length - 1 ? total : 0);
          from += sizes[k];
        }
      }
      StateDict want = big.stateDict();
      StateDict got = accumulated.stateDict();
      for (String name : want.names()) {
        double error = Arrays4d.maxAbsDiff(want.get(name).floats(), got.get(name).floats());
        assertTrue(error < 1e-5, Arrays.toString(sizes) + " " + name + " differs by " + error);
      }
      StateDict initial = network().stateDict();
      assertTrue(Arrays4d.maxAbsDiff(initial.get("5.weight").floats(), got.get("5.weight").floats()) > 1e-3,
          "the weights must have moved");
    }
  }

  @Test
  void threeBatchesOfFourStepLikeOneBatchOfTwelve() {
    check(new int[] {4, 4, 4});
  }

  @Test
  void unevenBatchesAreWeightedBySize() {
    check(new int[] {4, 4, 2});
  }
}
