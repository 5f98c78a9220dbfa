package dev.tfjtransfer.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.OperationAttributeInspector;
import org.tensorflow.Output;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.ExtractImagePatches;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * A convolution whose filter gradient is one matrix product: the input's k x k patches, one row
 * per output position, transposed times the output gradient, (k k in, N H W) x (N H W, out).
 * oneDNN's bfloat16 backward-weights kernel is slow when the output is tiny: for resnet18's
 * layer4 at 96 px (3 x 3 outputs, 512 channels, batch 16) it took 6.5-10.4 ms against 3.1-3.4 ms
 * for patches + MatMul (4 x 4: 7.8 against 4.8; 7 x 7: no difference inside a training step),
 * and a resnet18 bf16 training step at 96 px went from 126-142 ms to 117-118 ms. Its float32
 * kernel is less slow (6.4 ms), but the product still gains there: a resnet18 float32 step at 96 px,
 * median of 5 alternating rounds, 185.9 ms (185.1-188.2) plain, 182.1 ms (180.6-188.1) with it;
 * extended to 6 x 6 outputs (layer3) or 12 x 12 (layer2) it was slower (183-209 ms).
 *
 * <p>TensorFlow's Conv2D gradient cannot be replaced, so the convolution reads its filter through
 * StopGradient (Conv2D's own filter gradient is then never needed and never runs) and its output
 * passes through {@code IdentityN(y, filter, filter shape)}, which has no built-in gradient: the
 * one registered here hands the output gradient on unchanged and computes the filter's. (The
 * filter shape is an input because nothing may ask the graph for shapes while gradients are
 * built: the graph is locked.)
 */
final class PatchFilterGradient {
  /** False when something else already defines IdentityN's gradient: then convolutions stay plain. */
  private static final boolean GRADIENT_REGISTERED =
      TensorFlow.registerCustomGradient("IdentityN", PatchFilterGradient::gradient);
  /** Output positions (H x W) up to which the patch product is used: measured faster at 3 x 3 and 4 x 4. */
  private static final long MAX_OUTPUT_POSITIONS = 16;
  /** Filters from k x k x in x out = 3 x 3 x 256 x 512 up (measured no faster at 3 x 3 x 256 x 256). */
  private static final long MIN_FILTER_ELEMENTS = 9L * 256 * 512;

  private PatchFilterGradient() {}

  /**
   * Whether a training convolution with this filter shape (HWIO) and output size should use the
   * patch product.
   */
  static boolean pays(long[] filterHwio, long outputHeight, long outputWidth) {
    return GRADIENT_REGISTERED && outputHeight > 0 && outputWidth > 0
        && outputHeight * outputWidth <= MAX_OUTPUT_POSITIONS
        && Arrays.stream(filterHwio).reduce(1, Math::multiplyExact) >= MIN_FILTER_ELEMENTS;
  }

  /** {@code conv2d(x, filter)} (no groups, dilation 1) with the filter gradient as a patch product. */
  @SuppressWarnings("unchecked")
  static Operand<TFloat32> conv2d(Ops tf, Operand<TFloat32> x, Operand<TFloat32> filter, List<Long> strides,
      String padding) {
    Operand<TFloat32> y = tf.nn.conv2d(x, tf.stopGradient(filter), strides, padding);
    return (Operand<TFloat32>) tf.identityN(List.of(y, filter, tf.constant(filter.shape().asArray()))).output()
        .get(0);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    List<Operand<?>> gradients = new ArrayList<>();
    for (int i = 0; i < op.numInputs(); i++) {
      Output<?> g = upstream.get(i);
      gradients.add(g != null ? g : tf.zerosLike((Operand) op.input(i)));
    }
    GraphOperation conv = convolutionOf(op);
    if (conv == null || upstream.get(0) == null) {
      return gradients; // any other IdentityN: the identity's gradient
    }
    long[] filter = new long[4];
    try (Tensor shape = ((GraphOperation) op.input(2).op()).attributes().getAttrTensor("value")) {
      shape.asRawTensor().data().asLongs().read(filter);
    }
    OperationAttributeInspector attributes = conv.attributes();
    Operand<TFloat32> patches = ExtractImagePatches.create(tf.scope(), (Operand<TFloat32>) conv.input(0),
        List.of(1L, filter[0], filter[1], 1L), Arrays.stream(attributes.getAttrIntList("strides")).boxed().toList(),
        List.of(1L, 1L, 1L, 1L), attributes.getAttrString("padding"));
    Operand<TFloat32> patchRows = tf.reshape(patches, tf.constant(new long[] {-1, filter[0] * filter[1] * filter[2]}));
    Operand<TFloat32> gradientRows = tf.reshape((Operand<TFloat32>) upstream.get(0),
        tf.constant(new long[] {-1, filter[3]}));
    gradients.set(1, tf.reshape(tf.linalg.matMul(patchRows, gradientRows, MatMul.transposeA(true)),
        tf.constant(filter)));
    return gradients;
  }

  /** The Conv2D of {@code IdentityN(Conv2D(x, StopGradient(f)), f, shape)} as {@link #conv2d} builds it, else null. */
  private static GraphOperation convolutionOf(GraphOperation identity) {
    if (identity.numInputs() != 3 || !(identity.input(0).op() instanceof GraphOperation conv)
        || !conv.type().equals("Conv2D") || !(conv.input(1).op() instanceof GraphOperation stop)
        || !stop.type().equals("StopGradient") || !stop.input(0).equals(identity.input(1))
        || !identity.input(2).op().type().equals("Const")) {
      return null;
    }
    return conv;
  }
}
