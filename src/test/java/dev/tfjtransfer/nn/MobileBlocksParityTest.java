package dev.tfjtransfer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.train.CrossEntropyLoss;
import dev.tfjtransfer.train.OptimizerSpec;
import dev.tfjtransfer.train.OptimizerState;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.TrainingStep;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The layers of the MobileNet / EfficientNet families against torch (tests/parity/make_nn_refs.py):
 * each activation's values; a small network of grouped, depthwise (channel multiplier 2) and strided
 * convolutions, Conv2dNormActivation blocks with every activation, and both squeeze-excitation
 * variants, for its eval logits and for the gradient of a train-mode loss with respect to every
 * parameter (read off one SGD step with learning rate 1).
 */
class MobileBlocksParityTest {
  private static Path refs;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_nn_refs.py", "nn-refs");
  }

  @ParameterizedTest
  @EnumSource(value = Activation.Kind.class, names = {"RELU6", "SILU", "HARDSWISH", "HARDSIGMOID", "SIGMOID", "GELU"})
  void activationEqualsTorch(Activation.Kind kind) throws Exception {
    StateDict io = StateDict.read(refs.resolve("activations.safetensors"));
    float[] x = io.get("x").floats();
    float[] expected = io.get(kind.torchName()).floats();
    int width = x.length / 3;
    try (Model model = Model.build("activation", new Activation("", kind), 1, width, new SessionOptions(2, 1))) {
      float[] actual = inference(model, Arrays.copyOf(x, width * 3), Shape.of(1, 1, width, 3));
      for (int i = 0; i < actual.length; i++) {
        assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), kind + " at x=" + x[i]);
      }
    }
  }

  @Test
  void evalLogitsAndTrainModeGradientsEqualTorch() throws Exception {
    StateDict initial = StateDict.read(refs.resolve("primitives-initial.pth"));
    StateDict io = StateDict.read(refs.resolve("primitives-io.safetensors"));
    try (Model model = Model.build("primitives", primitivesNet(), 32, 32, new SessionOptions(2, 1))) {
      LoadReport report = model.loadStateDict(initial, LoadMode.STRICT);
      assertTrue(report.isComplete(), report.problems(5));

      float[] expected = io.get("logits").floats();
      long[] nchw = io.get("input").shape();
      float[] logits = inference(model, Arrays4d.nchwToNhwc(io.get("input")), Shape.of(nchw[0], nchw[2], nchw[3], 3));
      assertTrue(Arrays4d.maxAbsDiff(logits, expected) <= 1e-5 * Arrays4d.maxAbs(expected),
          "logits " + Arrays.toString(logits) + " vs torch " + Arrays.toString(expected));

      TrainingStep step = new TrainingStep(model, List.of(new ParamGroup("all", List.of(), 1.0, 0)),
          new OptimizerSpec.Sgd(0, 0, false), new OptimizerState(model), new CrossEntropyLoss(0),
          BatchNormPolicy.ALWAYS_TRAIN_MODE, false);
      int[] labels = Arrays.stream(io.get("train_labels").longs()).mapToInt(l -> (int) l).toArray();
      float loss = step.run(Arrays4d.nchwToNhwc(io.get("train_input")), labels, new double[] {1.0}).loss();
      assertEquals(io.get("train_loss").floats()[0], loss, 1e-5);
      StateDict after = model.stateDict();
      int checked = 0;
      for (String name : io.names()) {
        if (!name.startsWith("grad.")) {
          continue;
        }
        String parameter = name.substring("grad.".length());
        float[] torchGrad = io.get(name).floats();
        float[] before = initial.get(parameter).floats();
        float[] moved = after.get(parameter).floats();
        float[] grad = new float[before.length];
        for (int i = 0; i < grad.length; i++) {
          grad[i] = before[i] - moved[i];
        }
        // absolute floor: before - after cancels to about one float32 ulp of the weight
        double bound = 1e-3 * Arrays4d.maxAbs(torchGrad) + 2e-6 * Arrays4d.maxAbs(before);
        double error = Arrays4d.maxAbsDiff(grad, torchGrad);
        assertTrue(error <= bound, parameter + ": gradient differs from torch's by " + error + " > " + bound);
        checked++;
      }
      assertEquals(24, checked);
    }
  }

  @Test
  void splitGroupsEqualsNativeGroupedConvolutionWithGradients() {
    // the form used when oneDNN is off; the native one is what the parity test above ran
    float[][] split = groupedConvolution((tf, xw) -> Conv2D.splitGroups(tf, xw.get(0), xw.get(1), 4,
        List.of(1L, 2L, 2L, 1L), "VALID"));
    float[][] fused = groupedConvolution((tf, xw) -> tf.nn.conv2d(xw.get(0), xw.get(1), List.of(1L, 2L, 2L, 1L),
        "VALID"));
    for (int i = 0; i < split.length; i++) {
      assertTrue(Arrays4d.maxAbsDiff(split[i], fused[i]) <= 1e-5 * Arrays4d.maxAbs(fused[i]), "output " + i);
    }
  }

  /** The value of a 4-group 3x3 convolution of 8 -> 12 channels and the gradients of a weighted sum of it. */
  private static float[][] groupedConvolution(BiFunction<Ops, List<Operand<TFloat32>>, Operand<TFloat32>> conv) {
    SplittableRandom random = new SplittableRandom(3);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(Shape.of(2, 9, 9, 8), DataBuffers.of(gaussians(random, 2 * 9 * 9 * 8)));
      Operand<TFloat32> w = tf.constant(Shape.of(3, 3, 2, 12), DataBuffers.of(gaussians(random, 3 * 3 * 2 * 12)));
      Operand<TFloat32> y = conv.apply(tf, List.of(x, w));
      Operand<TFloat32> weights = tf.constant(Shape.of(2, 4, 4, 12), DataBuffers.of(gaussians(random, 2 * 4 * 4 * 12)));
      Operand<TFloat32> loss = tf.sum(tf.math.mul(y, weights), tf.constant(new int[] {0, 1, 2, 3}));
      List<Output<?>> grads = tf.gradients(loss, List.of(x, w)).dy();
      try (Result r = s.runner().fetch(y).fetch(grads.get(0)).fetch(grads.get(1)).run()) {
        List<float[]> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          TFloat32 t = (TFloat32) r.get(i);
          float[] v = new float[(int) t.size()];
          t.asRawTensor().data().asFloats().read(v);
          values.add(v);
        }
        return values.toArray(float[][]::new);
      }
    }
  }

  private static float[] gaussians(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }

  /** make_nn_refs.py's primitives_net(). */
  private static Layer primitivesNet() {
    float v3Eps = 0.001f;
    float v3Momentum = 0.01f;
    Sequential features = new Sequential("0",
        Conv2dNormActivation.builder("0").setChannels(3, 12).setKernel(3).optStride(2).optNorm(v3Eps, v3Momentum)
            .optActivation(Activation.Kind.HARDSWISH).build(),
        Conv2dNormActivation.builder("1").setChannels(12, 24).setKernel(3).optGroups(4)
            .optActivation(Activation.Kind.RELU6).build(),
        Conv2dNormActivation.builder("2").setChannels(24, 48).setKernel(3).optStride(2).optGroups(24)
            .optActivation(Activation.Kind.SILU).build(),
        new SqueezeExcitation("3", 48, 12, Activation.Kind.SILU, Activation.Kind.SIGMOID),
        Conv2dNormActivation.builder("4").setChannels(48, 48).setKernel(5).optGroups(48)
            .optActivation(Activation.Kind.GELU).build(),
        new SqueezeExcitation("5", 48, 16, Activation.Kind.RELU, Activation.Kind.HARDSIGMOID),
        Conv2D.builder("6").setChannels(48, 32).setKernel(1).optGroups(2).build(),
        new Activation("7", Activation.Kind.HARDSWISH));
    return new Sequential("", features, new AdaptiveAvgPool2d("1", 1, 1), new Flatten("2"), new Dense("3", 32, 3));
  }

  private static float[] inference(Model model, float[] nhwc, Shape shape) {
    Placeholder<TFloat32> input = model.tf().placeholder(TFloat32.class, Placeholder.shape(shape));
    Operand<TFloat32> logits = model.call(input, Mode.INFERENCE, BatchNormPolicy.FROZEN_USE_RUNNING_STATS).output();
    try (TFloat32 tensor = TFloat32.tensorOf(shape)) {
      tensor.asRawTensor().data().asFloats().write(nhwc);
      try (Result result = model.session().runner().feed(input, tensor).fetch(logits).run()) {
        TFloat32 out = (TFloat32) result.get(0);
        float[] values = new float[(int) out.shape().size()];
        out.asRawTensor().data().asFloats().read(values);
        return values;
      }
    }
  }
}
