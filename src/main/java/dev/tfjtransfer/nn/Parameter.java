package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import java.util.SplittableRandom;
import org.tensorflow.op.core.Variable;

/**
 * One named graph variable: a learnable weight or a buffer (BatchNorm running statistics), named
 * exactly as torchvision names it in {@code state_dict()}.
 */
public final class Parameter {
  /** Learnable weights are what {@code named_parameters()} lists; buffers only appear in state_dicts. */
  public enum Kind {
    WEIGHT,
    BUFFER
  }

  /** Produces a parameter's initial value in torch's layout. */
  @FunctionalInterface
  public interface Initializer {
    HostTensor create(long[] torchShape, SplittableRandom random);
  }

  private final String name;
  private final Variable<?> variable;
  private final DType dtype;
  private final long[] torchShape;
  private final Layout layout;
  private final Kind kind;
  private final Initializer initializer;
  private boolean trainable;

  Parameter(String name, Variable<?> variable, DType dtype, long[] torchShape, Layout layout, Kind kind,
      Initializer initializer, Layer owner) {
    this.name = name;
    this.variable = variable;
    this.dtype = dtype;
    this.torchShape = torchShape.clone();
    this.layout = layout;
    this.kind = kind;
    this.initializer = initializer;
    this.trainable = kind == Kind.WEIGHT && owner.isTrainable();
  }

  /** The torchvision name, e.g. {@code layer4.1.conv2.weight}; also the variable's op name. */
  public String name() {
    return name;
  }

  public Variable<?> variable() {
    return variable;
  }

  public DType dtype() {
    return dtype;
  }

  /** The shape PyTorch reports for this parameter. */
  public long[] torchShape() {
    return torchShape.clone();
  }

  public Layout layout() {
    return layout;
  }

  public Kind kind() {
    return kind;
  }

  public long size() {
    return HostTensor.elementCount(torchShape);
  }

  /** Whether training updates this parameter (always false for buffers). */
  public boolean isTrainable() {
    return trainable;
  }

  /** Sets whether training updates this weight; buffers are never trainable. */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable && kind == Kind.WEIGHT;
  }

  HostTensor initialValue(SplittableRandom random) {
    return initializer.create(torchShape, random);
  }

  @Override
  public String toString() {
    return name + java.util.Arrays.toString(torchShape);
  }
}
