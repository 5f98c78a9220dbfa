package dev.tfjtransfer.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * The patch-product filter gradient against the definition, dW[i,j,c,o] = sum over n, h, w of
 * xPadded[n, h s + i, w s + j, c] dy[n, h, w, o], computed in double here; the output and the
 * input gradient against TensorFlow's plain Conv2D; and in bf16 (oneDNN auto mixed precision) the
 * product runs as a bfloat16 MatMul and stays within bfloat16's rounding.
 */
class PatchFilterGradientTest {
  private static final int N = 2;

  /** y, dL/dx and dL/dw for L = sum(y * r), the convolution built by {@code patches} or plain Conv2D. */
  private static float[][] run(boolean patches, SessionOptions options, int size, int in, int out, int k, int stride,
      int pad, float[] x, float[] w, float[] r, KernelCensus[] census) {
    try (Graph g = new Graph(); Session s = new Session(g, options.toConfigProto())) {
      Ops tf = Ops.create(g);
      // fed, not constants: Grappler would fold constants before the bf16 rewrite
      Placeholder<TFloat32> xv = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(N, size, size, in)));
      Placeholder<TFloat32> wv = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, k, in, out)));
      String mode = stride == 1 && pad == k / 2 && pad > 0 ? "SAME" : "VALID";
      Operand<TFloat32> xp = mode.equals("VALID") && pad > 0 ? Padding.spatial(tf, xv, pad, 0f) : xv;
      List<Long> strides = List.of(1L, (long) stride, (long) stride, 1L);
      Operand<TFloat32> y = patches ? PatchFilterGradient.conv2d(tf, xp, wv, strides, mode)
          : tf.nn.conv2d(xp, wv, strides, mode);
      Operand<TFloat32> loss = tf.sum(tf.math.mul(y, tf.reshape(tf.constant(r), tf.shape(y))),
          tf.constant(new int[] {0, 1, 2, 3}));
      List<Output<?>> grads = tf.gradients(loss, List.of(xv, wv)).dy();
      try (TFloat32 xt = TFloat32.tensorOf(Shape.of(N, size, size, in));
          TFloat32 wt = TFloat32.tensorOf(Shape.of(k, k, in, out))) {
        xt.asRawTensor().data().asFloats().write(x);
        wt.asRawTensor().data().asFloats().write(w);
        if (census != null) {
          census[0] = KernelCensus.trace(s.runner().feed(xv, xt).feed(wv, wt).fetch(y).fetch(grads.get(0))
              .fetch(grads.get(1)));
        }
        try (Result result = s.runner().feed(xv, xt).feed(wv, wt).fetch(y).fetch(grads.get(0)).fetch(grads.get(1))
            .run()) {
          return new float[][] {values(result.get(0)), values(result.get(1)), values(result.get(2))};
        }
      }
    }
  }

  private static float[] values(org.tensorflow.Tensor t) {
    float[] v = new float[(int) ((TFloat32) t).size()];
    t.asRawTensor().data().asFloats().read(v);
    return v;
  }

  private static float[] random(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  /** The filter gradient by its definition, in double. */
  private static double[] filterGradient(float[] x, float[] r, int size, int in, int out, int k, int stride, int pad) {
    int outSize = (size + 2 * pad - k) / stride + 1;
    double[] dw = new double[k * k * in * out];
    for (int n = 0; n < N; n++) {
      for (int h = 0; h < outSize; h++) {
        for (int v = 0; v < outSize; v++) {
          for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
              int row = h * stride + i - pad;
              int col = v * stride + j - pad;
              if (row < 0 || col < 0 || row >= size || col >= size) {
                continue;
              }
              for (int c = 0; c < in; c++) {
                double xv = x[((n * size + row) * size + col) * in + c];
                for (int o = 0; o < out; o++) {
                  dw[((i * k + j) * in + c) * out + o] += xv * r[((n * outSize + h) * outSize + v) * out + o];
                }
              }
            }
          }
        }
      }
    }
    return dw;
  }

  @ParameterizedTest(name = "{0} px, {1} -> {2}, k{3} s{4} p{5}")
  @CsvSource({"4, 8, 6, 3, 1, 1", "6, 8, 6, 3, 2, 1", "6, 5, 7, 1, 2, 0", "3, 4, 4, 3, 1, 1"})
  void filterGradientIsTheDefinitionAndTheRestIsConv2Ds(int size, int in, int out, int k, int stride, int pad) {
    SplittableRandom random = new SplittableRandom(size * 31L + k);
    int outSize = (size + 2 * pad - k) / stride + 1;
    float[] x = random(random, N * size * size * in);
    float[] w = random(random, k * k * in * out);
    float[] r = random(random, N * outSize * outSize * out);
    SessionOptions f32 = new SessionOptions(2, 1);
    float[][] plain = run(false, f32, size, in, out, k, stride, pad, x, w, r, null);
    float[][] patched = run(true, f32, size, in, out, k, stride, pad, x, w, r, null);
    assertArrayEquals(plain[0], patched[0], 0f, "the output is the same Conv2D");
    assertArrayEquals(plain[1], patched[1], 0f, "the input gradient is Conv2D's");
    double[] expected = filterGradient(x, r, size, in, out, k, stride, pad);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], patched[2][i], 1e-5 * (1 + Math.abs(expected[i])), "dW[" + i + "]");
      assertEquals(expected[i], plain[2][i], 1e-5 * (1 + Math.abs(expected[i])), "Conv2D's dW[" + i + "]");
    }
  }

  @Test
  void inBf16TheProductIsABfloat16MatMulWithinBfloat16Rounding() {
    int size = 3;
    int in = 16;
    int out = 24;
    SplittableRandom random = new SplittableRandom(7);
    float[] x = random(random, N * size * size * in);
    float[] w = random(random, 9 * in * out);
    float[] r = random(random, N * size * size * out);
    KernelCensus[] census = new KernelCensus[1];
    float[][] bf16 = run(true, new SessionOptions(2, 1, SessionOptions.Precision.BF16), size, in, out, 3, 1, 1, x,
        w, r, census);
    assertEquals(1, census[0].count("MatMul", DataType.DT_BFLOAT16), census[0].counts().toString());
    assertEquals(0, census[0].count("Conv2DBackpropFilter", DataType.DT_BFLOAT16)
        + census[0].count("Conv2DBackpropFilter", DataType.DT_FLOAT), census[0].counts().toString());
    double[] expected = filterGradient(x, r, size, in, out, 3, 1, 1);
    double scale = 0;
    for (double v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < expected.length; i++) {
      // inputs rounded to 8 significant bits, sums of up to 18 products accumulated in float32
      assertEquals(expected[i], bf16[2][i], 2e-2 * scale, "dW[" + i + "]");
    }
  }

  @Test
  void anyOtherIdentityNKeepsTheIdentitysGradient() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> a = tf.constant(new float[] {1f, 2f});
      Operand<TFloat32> b = tf.constant(new float[] {3f});
      List<Output<?>> outs = tf.identityN(List.of(a, b)).output();
      @SuppressWarnings("unchecked")
      Operand<TFloat32> loss = tf.math.add(tf.sum(tf.math.mul((Operand<TFloat32>) outs.get(0), tf.constant(5f)),
          tf.constant(0)), tf.sum((Operand<TFloat32>) outs.get(1), tf.constant(0)));
      List<Output<?>> grads = tf.gradients(loss, List.of(a, b)).dy();
      try (Result result = s.runner().fetch(grads.get(0)).fetch(grads.get(1)).run()) {
        assertArrayEquals(new float[] {5f, 5f}, values(result.get(0)));
        assertArrayEquals(new float[] {1f}, values(result.get(1)));
      }
    }
    assertTrue(PatchFilterGradient.pays(new long[] {3, 3, 256, 512}, 3, 3));
    assertTrue(!PatchFilterGradient.pays(new long[] {3, 3, 256, 512}, 7, 7) && !PatchFilterGradient.pays(
        new long[] {3, 3, 256, 256}, 3, 3) && !PatchFilterGradient.pays(new long[] {3, 3, 256, 512}, -1, -1));
  }
}
