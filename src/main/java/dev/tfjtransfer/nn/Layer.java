package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The layer contract, in the spirit of Keras: {@link #build} creates the layer's named variables
 * once, from the first input's shape; {@link #call} only builds the computation and may run many
 * times (a training and an inference graph share the variables). A layer's name is its attribute
 * name in the torchvision module ({@code "conv1"}, {@code "0"}); its variables are named by the
 * path from the model root, e.g. {@code layer4.1.conv2.weight}.
 */
public abstract class Layer {
  // "-" for RegNet's block1-0
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]*");

  private final String name;
  private final List<Parameter> parameters = new ArrayList<>();
  private boolean trainable = true;
  private boolean built;
  private String path;

  /** @param name the attribute name in the parent module; empty only for a model's root */
  protected Layer(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("layer name must be letters, digits, '_' or '-'; received: name=" + name);
    }
    this.name = name;
  }

  /** Builds (once) and calls this layer under {@code parent}, recording its output for the summary. */
  public final Operand<TFloat32> apply(LayerContext parent, Operand<TFloat32> input) {
    LayerContext context = parent.enter(this);
    if (!built) {
      path = context.path();
      build(context, input.shape());
      built = true;
    }
    Operand<TFloat32> output = call(context, input);
    context.recordOutput(this, output);
    return output;
  }

  /** Creates this layer's variables with {@link #addWeight} / {@link #addBuffer}. */
  protected void build(LayerContext context, Shape inputShape) {}

  /** Builds the layer's computation on {@code input}. */
  protected abstract Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input);

  /** Sub-layers in torchvision's attribute order. */
  public List<Layer> children() {
    return List.of();
  }

  public String name() {
    return name;
  }

  /** The dotted path from the model root ({@code layer4.1}); null before the layer is built. */
  public String path() {
    return path;
  }

  /** The parameters this layer created itself (not its children's). */
  public List<Parameter> ownParameters() {
    return Collections.unmodifiableList(parameters);
  }

  public boolean isTrainable() {
    return trainable;
  }

  /**
   * Keras' {@code layer.trainable = value}: sets this layer, its sub-layers and their weights
   * trainable or frozen.
   */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    parameters.forEach(p -> p.setTrainable(trainable));
    children().forEach(c -> c.setTrainable(trainable));
  }

  /** A short type name for summaries, e.g. {@code Conv2d(3, 64, k=3, s=1, p=1)}. */
  public String describe() {
    return getClass().getSimpleName();
  }

  protected final Parameter addWeight(LayerContext context, String localName, long[] torchShape, Layout layout,
      Parameter.Initializer initializer) {
    return add(context.createParameter(this, localName, DType.F32, torchShape, layout, Parameter.Kind.WEIGHT, initializer));
  }

  protected final Parameter addBuffer(LayerContext context, String localName, DType dtype, long[] torchShape,
      Parameter.Initializer initializer) {
    return add(context.createParameter(this, localName, dtype, torchShape, Layout.SAME, Parameter.Kind.BUFFER, initializer));
  }

  private Parameter add(Parameter p) {
    parameters.add(p);
    return p;
  }

  /** Validates a positive size argument the way Keras reports it: "Received: units=0". */
  protected static long requirePositive(String argument, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(argument + " must be positive; received: " + argument + "=" + value);
    }
    return value;
  }
}
