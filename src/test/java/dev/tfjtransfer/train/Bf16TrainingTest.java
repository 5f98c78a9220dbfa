package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.KernelCensus;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.nn.SessionOptions.Precision;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * bf16 mixed-precision training against float32, same resnet18 init, same demo-data batches at
 * 64 px: which kernels the bf16 step executes (traced from the partition graphs TensorFlow ran),
 * the loss curve, and whether the weights are float32 master copies (an update far below
 * bfloat16's resolution of the weight must still land, in the direction float32's lands).
 */
class Bf16TrainingTest {
  private static final int STEPS = 6;
  private static final double LR = 0.01;
  /** Small enough that |update| is far below half a bfloat16 ulp of most weights. */
  private static final double TINY_LR = 1e-5;
  private static final List<String> WATCHED = List.of("conv1.weight", "layer2.0.downsample.0.weight",
      "layer4.1.conv2.weight", "fc.weight");

  @TempDir
  static Path dir;

  /** What one precision's run produced. */
  private record Run(float[] losses, KernelCensus census, Map<String, float[]> before, Map<String, float[]> after,
      Map<String, float[]> momentum, int trainableWeights, int convWeights) {}

  private static final Map<Precision, Run> RUNS = new EnumMap<>(Precision.class);

  @BeforeAll
  static void trainBothPrecisions() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 8, 1, 11);
    List<Batch> batches = new ArrayList<>();
    Pipeline pipeline = new Pipeline(List.of(Transforms.resizeShorter(72), Transforms.centerCrop(64)),
        Normalization.IMAGENET, 64);
    try (DataLoader loader = DataLoader.builder(ImageFolder.open(dir.resolve("data/train")), pipeline)
        .optBatchSize(8).optShuffle(true).optSeed(1).build(); DataLoader.Epoch epoch = loader.epoch(0)) {
      epoch.forEachRemaining(batches::add);
    }
    for (Precision precision : Precision.values()) {
      RUNS.put(precision, train(precision, batches));
    }
  }

  private static Run train(Precision precision, List<Batch> batches) {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64,
        new SessionOptions(2, 2, precision))) {
      model.initialize(0);
      OptimizerState optimizer = new OptimizerState(model);
      TrainingStep step = new TrainingStep(model, List.of(new ParamGroup("all", List.of(), LR, 0)),
          OptimizerSpec.Sgd.withMomentum(0.9), optimizer, CrossEntropyLoss.standard(),
          BatchNormPolicy.ALWAYS_TRAIN_MODE, false);
      float[] losses = new float[STEPS];
      for (int i = 0; i < STEPS; i++) {
        Batch b = batches.get(i % batches.size());
        try (TFloat32 x = b.imagesTensor(); TInt32 y = b.labelsTensor()) {
          losses[i] = step.run(x, y, new double[] {LR}, i).loss();
        }
      }
      Map<String, float[]> before = watched(model);
      KernelCensus census;
      Batch b = batches.get(0);
      try (TFloat32 x = b.imagesTensor(); TInt32 y = b.labelsTensor()) {
        census = step.traceKernels(x, y, new double[] {TINY_LR}, STEPS);
      }
      Map<String, float[]> after = watched(model);
      StateDict slots = optimizer.values();
      Map<String, float[]> momentum = new LinkedHashMap<>();
      WATCHED.forEach(name -> momentum.put(name, slots.get("optimizer/" + name + "/momentum_buffer").floats()));
      int convs = (int) model.trainableWeights().stream().filter(p -> p.torchShape().length == 4).count();
      return new Run(losses, census, before, after, momentum, model.trainableWeights().size(), convs);
    }
  }

  /** The watched weights as the graph holds them (HWIO filters), like the optimizer's slots. */
  private static Map<String, float[]> watched(Model model) {
    Map<String, float[]> values = new LinkedHashMap<>();
    Session.Runner runner = model.session().runner();
    WATCHED.forEach(name -> runner.fetch(model.parameter(name).variable()));
    try (Result result = runner.run()) {
      for (int i = 0; i < WATCHED.size(); i++) {
        float[] v = new float[(int) result.get(i).shape().size()];
        result.get(i).asRawTensor().data().asFloats().read(v);
        values.put(WATCHED.get(i), v);
      }
    }
    return values;
  }

  @Test
  void bf16StepRunsConvolutionsBatchNormAndTheirGradientsInBfloat16() {
    Run bf16 = RUNS.get(Precision.BF16);
    KernelCensus k = bf16.census();
    System.out.println("bf16 training step kernels: " + k.counts());
    int convs = bf16.convWeights();
    assertEquals(20, convs, "resnet18's convolutions");
    assertEquals(convs, k.count("Conv2D", DataType.DT_BFLOAT16), "forward convolutions");
    // layer4's four 3 x 3 convolutions (2 x 2 outputs at 64 px) get their filter gradients as a
    // patch product (PatchFilterGradient): patches in float32, the MatMul in bfloat16
    assertEquals(convs - 4, k.count("Conv2DBackpropFilter", DataType.DT_BFLOAT16), "filter gradients");
    assertEquals(4, k.count("ExtractImagePatches", DataType.DT_FLOAT), "patch filter gradients");
    assertEquals(2 + 4, k.count("MatMul", DataType.DT_BFLOAT16), "fc's two gradients and the four patch products");
    // the stem convolution needs no input gradient
    assertEquals(convs - 1, k.count("Conv2DBackpropInput", DataType.DT_BFLOAT16), "input gradients");
    assertEquals(convs, k.count("FusedBatchNormGradV3", DataType.DT_BFLOAT16), "BatchNorm gradients");
    assertEquals(1, k.count("MaxPoolGrad", DataType.DT_BFLOAT16));
    assertEquals(0, k.count("Conv2DBackpropFilter", DataType.DT_FLOAT) + k.count("Conv2D", DataType.DT_FLOAT));
    // the update of every weight (and so its momentum buffer) and the loss stay float32
    assertEquals(bf16.trainableWeights(), k.count("ApplyMomentum", DataType.DT_FLOAT));
    assertEquals(0, k.count("ApplyMomentum", DataType.DT_BFLOAT16));
    assertEquals(1, k.count("SoftmaxCrossEntropyWithLogits", DataType.DT_FLOAT));
  }

  @Test
  void f32StepHasNoBfloat16Kernel() {
    KernelCensus k = RUNS.get(Precision.F32).census();
    assertEquals(0, k.countOfType(DataType.DT_BFLOAT16), k.counts().toString());
    // layer4's four as patch products (PatchFilterGradient), as in bf16
    assertEquals(16, k.count("Conv2DBackpropFilter", DataType.DT_FLOAT));
    assertEquals(4, k.count("ExtractImagePatches", DataType.DT_FLOAT));
  }

  @Test
  void bf16LossCurveTracksF32() {
    float[] f32 = RUNS.get(Precision.F32).losses();
    float[] bf16 = RUNS.get(Precision.BF16).losses();
    System.out.println("losses f32 " + Arrays.toString(f32) + "\n      bf16 " + Arrays.toString(bf16));
    // step 0 starts from the same weights: only the forward pass's rounding differs
    assertEquals(f32[0], bf16[0], 0.01 * f32[0], "step 0: bf16 loss within 1% of f32's");
    // then the weights differ by the rounding of every earlier gradient and the trajectories drift apart
    for (int i = 1; i < STEPS; i++) {
      assertTrue(Float.isFinite(bf16[i]), "step " + i);
      assertEquals(f32[i], bf16[i], 0.2 * f32[i], "step " + i + ": bf16 loss within 20% of f32's");
    }
    // both curves fall by far more than the tolerance, so tracking means something
    assertTrue(f32[STEPS - 1] < 0.5 * f32[0], "f32 loss falls: " + Arrays.toString(f32));
    assertTrue(bf16[STEPS - 1] < 0.5 * bf16[0], "bf16 loss falls: " + Arrays.toString(bf16));
  }

  /**
   * SGD with momentum sets buffer = 0.9 buffer + g, then w -= lr * buffer. At lr 1e-5 the update
   * is below half a bfloat16 ulp of most weights, so weights stored in bfloat16 would not move;
   * float32 master weights move by exactly -lr * buffer (to float32 rounding).
   */
  @Test
  void bf16KeepsFloat32MasterWeights() {
    Run bf16 = RUNS.get(Precision.BF16);
    for (String name : WATCHED) {
      float[] w = bf16.before().get(name);
      float[] updated = bf16.after().get(name);
      float[] buffer = bf16.momentum().get(name);
      // elements where the check decides: float32 represents the update, bfloat16 would round it away
      int decisive = 0;
      for (int i = 0; i < w.length; i++) {
        double expected = -TINY_LR * buffer[i];
        assertTrue(Float.isFinite(updated[i]) && Float.isFinite(buffer[i]), name + " finite");
        assertEquals(expected, updated[i] - w[i], Math.ulp(w[i]) + 1e-3 * Math.abs(expected),
            name + "[" + i + "]: the float32 update -lr * momentum_buffer");
        decisive += Math.abs(expected) > 4 * Math.ulp(w[i]) && Math.abs(expected) < Math.abs(w[i]) * 0x1p-9 ? 1 : 0;
      }
      System.out.printf("%s: %d of %d updates representable in float32 and below bfloat16's half ulp%n", name,
          decisive, w.length);
      assertTrue(decisive > 0.5 * w.length, name + ": only " + decisive + " of " + w.length + " updates decide");
    }
  }

  /**
   * A frozen bf16 step folds each BatchNorm into its convolution once (cached in variables), not
   * every step, and the cache follows weight changes: the step's loss equals the cross-entropy of
   * the inference logits (which fold per run) before and after the backbone is re-initialized.
   */
  @Test
  void frozenBf16StepReadsCachedFoldedFiltersThatFollowWeightChanges() {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64,
        new SessionOptions(2, 2, Precision.BF16))) {
      model.initialize(0);
      FreezeSpec.allButHead().freeze(model, "fc");
      TrainingStep step = new TrainingStep(model, List.of(new ParamGroup("head", List.of(), 0, 0)),
          OptimizerSpec.Sgd.withMomentum(0.9), new OptimizerState(model), CrossEntropyLoss.standard(),
          BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
      float[] pixels = new float[4 * 64 * 64 * 3];
      java.util.Random random = new java.util.Random(5);
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) random.nextGaussian();
      }
      int[] labels = {0, 1, 2, 1};
      try (TFloat32 x = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(4, 64, 64, 3));
          TInt32 y = TInt32.vectorOf(labels)) {
        x.asRawTensor().data().asFloats().write(pixels);
        // learning rate 0: the head does not move, so every step sees the same weights
        KernelCensus k = step.traceKernels(x, y, new double[] {0}, 0);
        System.out.println("bf16 frozen step kernels: " + k.counts());
        assertEquals(0, k.count("Rsqrt", DataType.DT_FLOAT) + k.count("Rsqrt", DataType.DT_BFLOAT16),
            "no per-step rsqrt");
        // one Mul is the loss gradient's 1 / batch; folding per step took 61 (the scales, filters and biases)
        assertEquals(1, k.count("Mul", DataType.DT_FLOAT) + k.count("Mul", DataType.DT_BFLOAT16),
            "no per-step rescaling");
        assertEquals(20, k.count("FusedConv2D", DataType.DT_BFLOAT16)
            + k.count("PadWithFusedConv2D", DataType.DT_BFLOAT16), "every convolution fused with its folded bias: "
            + k.counts());
        float before = step.run(x, y, new double[] {0}, 1).loss();
        assertEquals(crossEntropy(model.predict(pixels, 4), labels), before, 1e-3 * before, "cached fold = per-run fold");

        model.initialize(7, model.weights().stream().map(Parameter::name)
            .filter(n -> n.startsWith("layer") && n.contains("conv")).toList());
        float after = step.run(x, y, new double[] {0}, 2).loss();
        assertEquals(crossEntropy(model.predict(pixels, 4), labels), after, 1e-3 * after,
            "after re-initializing the convolutions the step reads the new folded filters");
        assertTrue(Math.abs(after - before) > 1e-2 * before, "the weights changed the loss: " + before + " " + after);
      }
    }
  }

  private static float crossEntropy(float[] logits, int[] labels) {
    int classes = logits.length / labels.length;
    double sum = 0;
    for (int i = 0; i < labels.length; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[i * classes + c]);
      }
      double z = 0;
      for (int c = 0; c < classes; c++) {
        z += Math.exp(logits[i * classes + c] - max);
      }
      sum += max + Math.log(z) - logits[i * classes + labels[i]];
    }
    return (float) (sum / labels.length);
  }
}
