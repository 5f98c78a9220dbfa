package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.KernelCensus;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.nn.SessionOptions.Precision;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * bf16 training of a depthwise net (efficientnet_b0, 64 px): where gradients flow through depthwise
 * convolutions, those convolutions, their gradients and the element-wise ops around them stay
 * float32 (oneDNN's bf16 depthwise backward and Eigen's bf16 element-wise kernels are slower than
 * float32), while the pointwise convolutions and BatchNorm stay bfloat16; frozen blocks keep the
 * rewriter's bf16 everywhere. Traced from the partition graphs TensorFlow ran.
 */
class Bf16DepthwiseTrainingTest {
  private static final int BATCH = 4;
  private static final int SIZE = 64;
  /** efficientnet_b0's MBConv blocks, one depthwise convolution each; features.7 holds one. */
  private static final int DEPTHWISE = 16;

  private record Step(float loss, KernelCensus census) {}

  /** One traced SGD step from the seed-0 init on fixed random images, with {@code trainable} patterns unfrozen. */
  private static Step step(Precision precision, String... trainable) {
    try (Model model = ModelZoo.create("efficientnet_b0", HeadSpec.linear(3), SIZE, SIZE,
        new SessionOptions(2, 2, precision))) {
      model.initialize(0);
      String head = ModelZoo.headPrefix("efficientnet_b0", HeadSpec.linear(3));
      FreezeSpec.all().freeze(model, head);
      FreezeSpec.of(trainable).unfreeze(model, head);
      TrainingStep step = new TrainingStep(model, List.of(new ParamGroup("all", List.of(), 0.01, 0)),
          OptimizerSpec.Sgd.withMomentum(0.9), new OptimizerState(model), CrossEntropyLoss.standard(),
          BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
      Random random = new Random(3);
      float[] pixels = new float[BATCH * SIZE * SIZE * 3];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) random.nextGaussian();
      }
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(BATCH, SIZE, SIZE, 3));
          TInt32 y = TInt32.vectorOf(0, 1, 2, 1)) {
        x.asRawTensor().data().asFloats().write(pixels);
        float loss = step.run(x, y, new double[] {0.01}, 0).loss();
        return new Step(loss, step.traceKernels(x, y, new double[] {0.01}, 1));
      }
    }
  }

  @Test
  void fullTrainingKeepsDepthwiseAndElementwiseOpsFloat32AndPointwiseConvolutionsBfloat16() {
    Step bf16 = step(Precision.BF16, "all");
    KernelCensus k = bf16.census();
    System.out.println("bf16 efficientnet_b0 full step kernels: " + k.counts());
    assertEquals(DEPTHWISE, k.count("DepthwiseConv2dNative", DataType.DT_FLOAT), "forward depthwise");
    assertEquals(DEPTHWISE, k.count("DepthwiseConv2dNativeBackpropFilter", DataType.DT_FLOAT), "filter gradients");
    assertEquals(DEPTHWISE, k.count("DepthwiseConv2dNativeBackpropInput", DataType.DT_FLOAT), "input gradients");
    for (String op : List.of("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput", "Sigmoid", "SoftplusGrad", "Mul", "Sub")) {
      assertEquals(0, k.count(op, DataType.DT_BFLOAT16), op + " must not run in bfloat16");
    }
    // the stem, the pointwise convolutions and the squeeze-excitation 1x1s, and their gradients
    assertTrue(k.count("Conv2D", DataType.DT_BFLOAT16) + k.count("FusedConv2D", DataType.DT_BFLOAT16) >= 33,
        k.counts().toString());
    assertTrue(k.count("Conv2DBackpropFilter", DataType.DT_BFLOAT16) >= 33, k.counts().toString());
    assertTrue(k.count("FusedBatchNormGradV3", DataType.DT_BFLOAT16) > 0, k.counts().toString());
    assertEquals(0, k.count("Conv2DBackpropFilter", DataType.DT_FLOAT), "no pointwise gradient in float32");
    assertTrue(k.micros().getOrDefault("DepthwiseConv2dNativeBackpropFilter float", 0L) > 0,
        "the trace times kernels: " + k.micros());
    Step f32 = step(Precision.F32, "all");
    assertEquals(0, f32.census().countOfType(DataType.DT_BFLOAT16));
    // same init and batch: only the rounding of the forward pass differs
    assertEquals(f32.loss(), bf16.loss(), 0.02 * f32.loss(), "bf16 loss within 2% of f32's");
  }

  @Test
  void frozenDepthwiseBlocksStayWithTheRewriter() {
    // features.7 trains (one depthwise convolution with a gradient); features.0-6 are frozen, so their
    // SiLUs are x * Sigmoid(x), which Grappler fuses: kept-float32 targets there would break the step
    KernelCensus partial = step(Precision.BF16, "features.7", "features.8", "classifier").census();
    assertEquals(1, partial.count("DepthwiseConv2dNativeBackpropFilter", DataType.DT_FLOAT),
        partial.counts().toString());
    assertEquals(0, partial.count("DepthwiseConv2dNativeBackpropFilter", DataType.DT_BFLOAT16));
    assertEquals(1, partial.count("DepthwiseConv2dNative", DataType.DT_FLOAT));
    assertEquals(DEPTHWISE - 1, partial.count("DepthwiseConv2dNative", DataType.DT_BFLOAT16));

    KernelCensus frozen = step(Precision.BF16, "classifier").census();
    assertEquals(DEPTHWISE, frozen.count("DepthwiseConv2dNative", DataType.DT_BFLOAT16), frozen.counts().toString());
    assertEquals(0, frozen.count("DepthwiseConv2dNative", DataType.DT_FLOAT));
  }
}
