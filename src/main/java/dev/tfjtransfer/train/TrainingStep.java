package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.KernelCensus;
import dev.tfjtransfer.nn.Mode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * One optimizer step as a graph: a training-mode forward pass on the model's {@code images}
 * placeholder, the loss, gradients of the loss with respect to the trainable weights only (so
 * the graph holds no gradient op for a frozen variable), and the update ops of each parameter
 * group with its learning rate fed per step. Build a new step after changing which weights are
 * trainable (e.g. the second stage of fine-tuning).
 */
public final class TrainingStep {
  private final Model model;
  private final Placeholder<TInt32> labels;
  private final Placeholder<TInt64> seed;
  private final long runSeed;
  private final List<Placeholder<TFloat32>> groupLrs = new ArrayList<>();
  private final List<ParamGroup> groups;
  private final Map<String, ParamGroup> groupOf = new LinkedHashMap<>();
  private final Operand<TFloat32> loss;
  private final Operand<TInt32> correct;
  private final Op train;
  private final OptimizerState state;
  private final Model.Forward forward;

  /** What one step measured, before the update. */
  public record StepResult(float loss, int correct) {}

  /**
   * @param groups parameter groups; a group with no patterns takes every weight no earlier group
   *     took. Every trainable weight must fall in a group.
   * @param noDecayOnNormAndBias whether 1-D weights (biases, BatchNorm scales and shifts) skip
   *     weight decay, the usual fine-tuning practice
   */
  public TrainingStep(Model model, List<ParamGroup> groups, OptimizerSpec optimizer, OptimizerState state,
      CrossEntropyLoss lossSpec, BatchNormPolicy batchNormPolicy, boolean noDecayOnNormAndBias) {
    this(model, groups, optimizer, state, lossSpec, batchNormPolicy, noDecayOnNormAndBias, 0);
  }

  /** @param runSeed with the step number, seeds dropout masks */
  public TrainingStep(Model model, List<ParamGroup> groups, OptimizerSpec optimizer, OptimizerState state,
      CrossEntropyLoss lossSpec, BatchNormPolicy batchNormPolicy, boolean noDecayOnNormAndBias, long runSeed) {
    this.model = model;
    this.runSeed = runSeed;
    this.groups = List.copyOf(groups);
    this.state = state;
    Ops tf = model.tf().withSubScope("train");
    labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    for (ParamGroup g : this.groups) {
      groupLrs.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar())));
    }
    seed = tf.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    forward = model.call(model.images(), Mode.TRAINING, batchNormPolicy, seed);
    loss = lossSpec.build(tf, forward.output(), labels);
    Operand<TInt32> predicted = tf.math.argMax(forward.output(), tf.constant(1), TInt32.class);
    correct = tf.sum(tf.dtypes.cast(tf.math.equal(predicted, labels), TInt32.class), tf.constant(0));

    List<Parameter> trainable = model.trainableWeights();
    List<Integer> groupIndex = assignGroups(trainable);
    List<Op> updates = new ArrayList<>(forward.updates());
    if (!trainable.isEmpty()) {
      List<Operand<?>> variables = trainable.stream().<Operand<?>>map(Parameter::variable).toList();
      List<Output<?>> grads = tf.gradients(loss, variables).dy();
      Set<GraphOperation> stepOps = model.graph().subgraphTo(Set.<Operand<?>>copyOf(grads));
      for (int i = 0; i < trainable.size(); i++) {
        Parameter p = trainable.get(i);
        ParamGroup group = this.groups.get(groupIndex.get(i));
        double decay = noDecayOnNormAndBias && p.torchShape().length <= 1 ? 0 : group.weightDecay();
        @SuppressWarnings("unchecked")
        Operand<TFloat32> grad = (Operand<TFloat32>) grads.get(i);
        Ops gated = tf.withControlDependencies(updateDependencies(tf, p, grad, stepOps));
        updates.add(UpdateRules.update(gated, optimizer, state, p, grad, groupLrs.get(groupIndex.get(i)), decay));
      }
    }
    train = tf.withControlDependencies(updates).noOp();
  }

  /**
   * What a weight's in-place update must wait for: its gradient, and every op of this step that
   * reads the weight (the backward pass reads weights to propagate gradients). Waiting for exactly
   * these, rather than for all gradients, lets each gradient be applied and freed as soon as it is
   * ready, which lowers peak memory (vgg16's classifier gradients alone are 480 MB).
   */
  private static List<Op> updateDependencies(Ops tf, Parameter p, Operand<TFloat32> grad,
      Set<GraphOperation> stepOps) {
    List<Op> dependencies = new ArrayList<>();
    dependencies.add(tf.identity(grad));
    for (GraphOperation reader : ((GraphOperation) p.variable().op()).consumers()) {
      if (stepOps.contains(reader)) {
        dependencies.add(() -> reader);
      }
    }
    return dependencies;
  }

  private List<Integer> assignGroups(List<Parameter> trainable) {
    List<Integer> index = new ArrayList<>();
    List<String> orphans = new ArrayList<>();
    for (Parameter p : trainable) {
      int found = -1;
      for (int g = 0; g < groups.size() && found < 0; g++) {
        if (groups.get(g).patterns().isEmpty() || groups.get(g).matches(p.name())) {
          found = g;
        }
      }
      if (found < 0) {
        orphans.add(p.name());
      } else {
        groupOf.put(p.name(), groups.get(found));
      }
      index.add(found);
    }
    if (!orphans.isEmpty()) {
      throw new IllegalArgumentException("trainable weights in no parameter group: "
          + String.join(", ", orphans.subList(0, Math.min(8, orphans.size())))
          + (orphans.size() > 8 ? ", ... " + (orphans.size() - 8) + " more" : "")
          + "; add a pattern for them or a group without patterns");
    }
    return index;
  }

  public List<ParamGroup> groups() {
    return groups;
  }

  /** The group each trainable weight trains in. */
  public Map<String, ParamGroup> groupOf() {
    return java.util.Collections.unmodifiableMap(groupOf);
  }

  /**
   * Runs one step on a batch of normalized NHWC images.
   *
   * @param lrs the learning rate of each group, in {@link #groups()} order
   */
  public StepResult run(TFloat32 images, TInt32 batchLabels, double[] lrs, long step) {
    return run(model.images(), images, batchLabels, lrs, step);
  }

  /**
   * Whether a step can start from cached outputs of layer {@code path} (e.g. {@code flatten}):
   * every trainable weight is in {@code headModule} and no layer updates state (train-mode
   * BatchNorm) on the way, so the layers before {@code path} compute a fixed function.
   */
  public boolean canStartFrom(String path, String headModule) {
    return forward.outputs().containsKey(path) && forward.updates().isEmpty()
        && model.trainableWeights().stream().allMatch(p -> p.name().startsWith(headModule + "."));
  }

  /** Runs one step feeding precomputed outputs of layer {@code path} instead of images. */
  public StepResult runFrom(String path, TFloat32 features, TInt32 batchLabels, double[] lrs, long step) {
    return run(forward.outputs().get(path), features, batchLabels, lrs, step);
  }

  private StepResult run(Operand<TFloat32> inputTarget, TFloat32 input, TInt32 batchLabels, double[] lrs,
      long step) {
    try (StepFeeds feeds = new StepFeeds(inputTarget, input, batchLabels, lrs, step);
        Result result = feeds.runner.run()) {
      return new StepResult(((TFloat32) result.get(0)).getFloat(), ((TInt32) result.get(1)).getInt());
    }
  }

  /**
   * Runs one step (the update happens) and reports which kernels it executed and in which
   * precision: under bf16, which backward ops run in bfloat16 and which stay float32.
   */
  public KernelCensus traceKernels(TFloat32 images, TInt32 batchLabels, double[] lrs, long step) {
    try (StepFeeds feeds = new StepFeeds(model.images(), images, batchLabels, lrs, step)) {
      return KernelCensus.trace(feeds.runner);
    }
  }

  /** A step's runner with its feeds, and the scalar tensors it created for them. */
  private final class StepFeeds implements AutoCloseable {
    private final List<Tensor> owned = new ArrayList<>();
    private final Session.Runner runner;

    StepFeeds(Operand<TFloat32> inputTarget, TFloat32 input, TInt32 batchLabels, double[] lrs, long step) {
      if (lrs.length != groups.size()) {
        throw new IllegalArgumentException("need " + groups.size() + " learning rates, got " + lrs.length);
      }
      model.ensureInitialized();
      state.initializeNew();
      TInt64 stepSeed = TInt64.vectorOf(runSeed, step);
      owned.add(stepSeed);
      runner = model.session().runner().feed(inputTarget, input).feed(labels, batchLabels).feed(seed, stepSeed);
      for (int g = 0; g < lrs.length; g++) {
        TFloat32 lr = TFloat32.scalarOf((float) lrs[g]);
        owned.add(lr);
        runner.feed(groupLrs.get(g), lr);
      }
      runner.fetch(loss).fetch(correct).addTarget(train);
    }

    @Override
    public void close() {
      owned.forEach(Tensor::close);
    }
  }

  /** Convenience for small batches held in arrays. */
  public StepResult run(float[] images, int[] batchLabels, double[] lrs) {
    Shape shape = Shape.of(batchLabels.length, model.images().shape().get(1), model.images().shape().get(2), 3);
    try (TFloat32 x = TFloat32.tensorOf(shape); TInt32 y = TInt32.vectorOf(batchLabels)) {
      x.asRawTensor().data().asFloats().write(images);
      return run(x, y, lrs, 0);
    }
  }
}
