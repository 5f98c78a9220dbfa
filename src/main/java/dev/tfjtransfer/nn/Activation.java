package dev.tfjtransfer.nn;

import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * torch's element-wise activation modules ({@code nn.ReLU6}, {@code nn.SiLU}, {@code nn.Hardswish},
 * ...) as one layer with a {@link Kind}; {@code Kind.apply} applies one inline inside composite
 * blocks. Values follow torch's CPU kernels' formulas and order of operations (x / (1 + exp(-x))
 * for SiLU, x * clamp(x + 3, 0, 6) / 6 for Hardswish, erf for GELU), and so do the gradients, up
 * to which side's slope a kink takes (Hardsigmoid at exactly +-3).
 *
 * <p>Training memory: the ReLU and SiLU forms keep fewer tensors alive where gradients flow
 * ({@link MemoryLeanRelu}, {@link MemoryLeanSilu}). ReLU6, Hardswish and GELU keep their input, as
 * TF's own gradients do: Hardswish and GELU are not monotone, so their output cannot stand in for
 * the input; ReLU6's could, but TF has no op whose value is relu6(x) and whose gradient can be
 * replaced ({@code Relu6} and {@code ClipByValue} have registered C++ gradients, which a Java
 * gradient cannot override). Hardsigmoid and Sigmoid only gate squeeze-excitation scales of
 * (N, 1, 1, C), whose memory does not matter.
 */
public final class Activation extends Layer {
  /** The activation, by torch's module name. */
  public enum Kind {
    RELU("ReLU"),
    RELU6("ReLU6"),
    SILU("SiLU"),
    HARDSWISH("Hardswish"),
    HARDSIGMOID("Hardsigmoid"),
    SIGMOID("Sigmoid"),
    /** {@code nn.GELU()} with approximate="none": 0.5 x (1 + erf(x / sqrt 2)). */
    GELU("GELU");

    private final String torchName;

    Kind(String torchName) {
      this.torchName = torchName;
    }

    public String torchName() {
      return torchName;
    }

    /** This activation of {@code x}, built under {@code context}'s scope. */
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      Ops tf = context.tf();
      return switch (this) {
        case RELU -> ReLU.relu(context, x);
        case RELU6 -> tf.nn.relu6(x);
        case SILU -> context.receivesGradient(x) ? MemoryLeanSilu.apply(tf, x) : tf.math.mul(x, tf.math.sigmoid(x));
        case HARDSWISH -> tf.math.div(tf.math.mul(x, clampPlus3(tf, x)), tf.constant(6f));
        case HARDSIGMOID -> tf.math.div(clampPlus3(tf, x), tf.constant(6f));
        case SIGMOID -> tf.math.sigmoid(x);
        case GELU -> tf.math.mul(tf.math.mul(x, tf.constant(0.5f)),
            tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(x, tf.constant((float) Math.sqrt(0.5))))));
      };
    }

    /** clamp(x + 3, 0, 6), whose gradient (ClipByValue's) is zero outside -3 < x < 3. */
    private static Operand<TFloat32> clampPlus3(Ops tf, Operand<TFloat32> x) {
      return tf.clipByValue(tf.math.add(x, tf.constant(3f)), tf.constant(0f), tf.constant(6f));
    }
  }

  private final Kind kind;

  public Activation(String name, Kind kind) {
    super(name);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return kind.apply(context, input);
  }

  @Override
  public String describe() {
    return kind.torchName();
  }
}
