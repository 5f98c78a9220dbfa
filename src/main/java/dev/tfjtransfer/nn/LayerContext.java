package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;

/**
 * What a layer sees while it is built and called: the graph's ops scoped to the layer's path, the
 * call's {@link Mode}, and where to register variables and state updates (BatchNorm running
 * statistics) that the caller must run with each training step.
 */
public final class LayerContext {
  private final Model model;
  private final String path;
  private final Mode mode;
  private final BatchNormPolicy batchNormPolicy;
  private final List<Op> updates;
  private final Operand<TInt64> seed;
  private final java.util.Map<String, Operand<TFloat32>> outputs;
  private final GradientReach gradientReach;
  private Ops scoped;

  LayerContext(Model model, String path, Mode mode, BatchNormPolicy batchNormPolicy, List<Op> updates,
      Operand<TInt64> seed, java.util.Map<String, Operand<TFloat32>> outputs, GradientReach gradientReach) {
    this.model = model;
    this.path = path;
    this.mode = mode;
    this.batchNormPolicy = batchNormPolicy;
    this.updates = updates;
    this.seed = seed;
    this.outputs = outputs;
    this.gradientReach = gradientReach;
  }

  LayerContext enter(Layer layer) {
    String child = path.isEmpty() ? layer.name() : layer.name().isEmpty() ? path : path + "." + layer.name();
    LayerContext context = new LayerContext(model, child, mode, batchNormPolicy, updates, seed, outputs,
        gradientReach);
    if (child.equals(path)) {
      // an unnamed layer names its ops in its parent's scope: one Ops object keeps the names unique
      context.scoped = tf();
    }
    return context;
  }

  /**
   * Ops that name what they create under this layer's path. Made once per context: TF Java's
   * withSubScope walks every op of the graph, so calling it per op made building large models
   * quadratic.
   */
  public Ops tf() {
    return path.isEmpty() ? model.tf() : model.layerScope(path);
  }

  /** Ops at the graph's root scope. */
  public Ops rootOps() {
    return model.tf();
  }

  public String path() {
    return path;
  }

  public Mode mode() {
    return mode;
  }

  /** The precision the model's session computes in. */
  public SessionOptions.Precision precision() {
    return model.sessionOptions().precision();
  }

  public BatchNormPolicy batchNormPolicy() {
    return batchNormPolicy;
  }

  /**
   * A seed [2] for stateless random ops, distinct per layer path and fed per step by the caller,
   * so dropout masks depend only on (run seed, step): a resumed run draws the same masks.
   */
  public Operand<TInt64> statelessSeed() {
    if (seed == null) {
      throw new IllegalStateException(path + ": this call has no random seed; pass one to Model.call for TRAINING");
    }
    Ops tf = tf();
    return tf.math.add(seed, tf.constant(new long[] {path.hashCode(), 0}));
  }

  /**
   * Whether {@code tensor} depends on a trainable weight in this TRAINING call, so the backward
   * pass will run through it; always false for INFERENCE calls.
   */
  public boolean receivesGradient(Operand<?> tensor) {
    return gradientReach != null && gradientReach.reaches(tensor);
  }

  /** The parameter {@code operand} is the variable of, if it is one. */
  Optional<Parameter> parameterOf(Operand<?> operand) {
    return model.parameterOf(operand);
  }

  /** Registers a cached folded filter, recomputed by {@code refresh} whenever its {@code sources} may have changed. */
  void addCachedFold(Op refresh, List<String> sources) {
    model.addCachedFold(refresh, sources);
  }

  /** Registers an op the caller must run with every step of this call's graph (running statistics). */
  public void addUpdate(Op update) {
    updates.add(update);
  }

  Parameter createParameter(Layer owner, String localName, DType dtype, long[] torchShape, Layout layout,
      Parameter.Kind kind, Parameter.Initializer initializer) {
    String name = path.isEmpty() ? localName : path + "." + localName;
    return model.createParameter(owner, name, dtype, torchShape, layout, kind, initializer);
  }

  void recordOutput(Layer layer, Operand<TFloat32> output) {
    outputs.putIfAbsent(path, output);
    if (mode == Mode.INFERENCE) {
      model.recordOutput(path, layer, output.shape());
    }
  }
}
