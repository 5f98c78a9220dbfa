package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Bf16Fallback;
import dev.tfjtransfer.nn.KernelCensus;
import dev.tfjtransfer.nn.Mode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.nn.SessionOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * One optimizer step as a graph: a training-mode forward pass on the model's {@code images}
 * placeholder, the loss, gradients of the loss with respect to the trainable weights only (so
 * the graph holds no gradient op for a frozen variable), and the update ops of each parameter
 * group with its learning rate fed per step. Build a new step after changing which weights are
 * trainable (e.g. the second stage of fine-tuning).
 *
 * <p>With gradient accumulation over K batches, each batch adds its gradient times its size to an
 * accumulator (an optimizer slot), and the batch that completes a step applies the update with the
 * accumulated sum divided by the step's sample count: the gradient of the mean loss over all K
 * batches, as one big batch would give where BatchNorm does not couple the samples.
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
  private final Placeholder<TFloat32> softTargets;
  private final Placeholder<TFloat32> samples;
  private final Placeholder<TFloat32> stepSamples;
  private final Op accumulate;
  private final Op resetAccumulators;
  /** Ops of the step that stay float32 under bf16 (run as targets so Grappler's rewrite preserves them). */
  private final List<GraphOperation> float32Ops = new ArrayList<>();
  private final List<String> trainableNames;

  /** What the loss compares the logits with: class indices, or probabilities (MixUp/CutMix). */
  public enum Targets {
    CLASS_INDICES,
    PROBABILITIES
  }

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
    this(model, groups, optimizer, state, lossSpec, batchNormPolicy, noDecayOnNormAndBias, runSeed,
        Targets.CLASS_INDICES, 1);
  }

  /**
   * @param targets whether batches come with class indices or with probability targets
   * @param accumulationSteps batches per optimizer step (1: every batch is a step)
   */
  public TrainingStep(Model model, List<ParamGroup> groups, OptimizerSpec optimizer, OptimizerState state,
      CrossEntropyLoss lossSpec, BatchNormPolicy batchNormPolicy, boolean noDecayOnNormAndBias, long runSeed,
      Targets targets, int accumulationSteps) {
    this.model = model;
    this.runSeed = runSeed;
    this.groups = List.copyOf(groups);
    this.state = state;
    List<Parameter> trainable = model.trainableWeights();
    trainableNames = trainable.stream().map(Parameter::name).toList();
    List<Integer> groupIndex = assignGroups(trainable); // before any op is added: a bad group changes no graph
    Ops tf = model.tf().withSubScope("train");
    labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    for (ParamGroup g : this.groups) {
      groupLrs.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar())));
    }
    seed = tf.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    forward = model.call(model.images(), Mode.TRAINING, batchNormPolicy, seed);
    softTargets = targets == Targets.PROBABILITIES ? tf.withName("soft_targets").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, model.numOutputs()))) : null;
    loss = softTargets == null ? lossSpec.build(tf, forward.output(), labels)
        : lossSpec.buildSoft(tf, forward.output(), softTargets);
    Operand<TInt32> predicted = tf.math.argMax(forward.output(), tf.constant(1), TInt32.class);
    correct = tf.sum(tf.dtypes.cast(tf.math.equal(predicted, labels), TInt32.class), tf.constant(0));

    List<Op> updates = new ArrayList<>(forward.updates());
    List<Op> accumulations = new ArrayList<>(forward.updates());
    List<Op> resets = new ArrayList<>();
    samples = accumulationSteps > 1 ? tf.withName("samples").placeholder(TFloat32.class,
        Placeholder.shape(Shape.scalar())) : null;
    stepSamples = accumulationSteps > 1 ? tf.withName("step_samples").placeholder(TFloat32.class,
        Placeholder.shape(Shape.scalar())) : null;
    if (!trainable.isEmpty()) {
      List<Operand<?>> variables = trainable.stream().<Operand<?>>map(Parameter::variable).toList();
      List<Output<?>> grads = tf.gradients(loss, variables).dy();
      Set<GraphOperation> stepOps = model.graph().subgraphTo(Set.<Operand<?>>copyOf(grads));
      if (model.sessionOptions().precision() == SessionOptions.Precision.BF16) {
        Set<GraphOperation> differentiated = new HashSet<>(model.graph().subgraphFrom(Set.copyOf(variables)));
        differentiated.retainAll(stepOps);
        float32Ops.addAll(Bf16Fallback.keptFloat32(differentiated));
      }
      List<Variable<TFloat32>> accumulators = new ArrayList<>();
      for (int i = 0; i < trainable.size(); i++) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> grad = (Operand<TFloat32>) grads.get(i);
        if (accumulationSteps > 1) {
          Variable<TFloat32> accumulator = state.slot(trainable.get(i), "grad_accumulator", false);
          accumulators.add(accumulator);
          accumulations.add(tf.assignAdd(accumulator, tf.math.mul(grad, samples)));
          resets.add(tf.assign(accumulator, tf.zerosLike(accumulator)));
        }
      }
      Ops afterAccumulation = tf.withControlDependencies(accumulations);
      for (int i = 0; i < trainable.size(); i++) {
        Parameter p = trainable.get(i);
        ParamGroup group = this.groups.get(groupIndex.get(i));
        double decay = noDecayOnNormAndBias && p.torchShape().length <= 1 ? 0 : group.weightDecay();
        @SuppressWarnings("unchecked")
        Operand<TFloat32> grad = (Operand<TFloat32>) grads.get(i);
        Operand<TFloat32> lr = groupLrs.get(groupIndex.get(i));
        if (accumulationSteps > 1) {
          // every backward op has run once the accumulators are complete, so they gate the update alone
          Variable<TFloat32> accumulator = accumulators.get(i);
          Operand<TFloat32> mean = tf.math.div(afterAccumulation.identity(accumulator), stepSamples);
          Op update = UpdateRules.update(afterAccumulation, optimizer, state, p, mean, lr, decay);
          updates.add(tf.withControlDependencies(List.of(update)).assign(accumulator, tf.zerosLike(accumulator)));
        } else {
          Ops gated = tf.withControlDependencies(updateDependencies(tf, p, grad, stepOps));
          updates.add(UpdateRules.update(gated, optimizer, state, p, grad, lr, decay));
        }
      }
    }
    train = tf.withControlDependencies(updates).noOp();
    accumulate = accumulationSteps > 1 ? tf.withControlDependencies(accumulations).noOp() : null;
    resetAccumulators = accumulationSteps > 1 ? tf.withControlDependencies(resets).noOp() : null;
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
    addReaders((GraphOperation) p.variable().op(), stepOps, dependencies);
    return dependencies;
  }

  /**
   * Ops whose output may share the input's buffer: an op reading such a view of a ref variable
   * (a depthwise convolution's backward pass reads the reshaped kernel, PatchFilterGradient's input
   * gradient reads StopGradient(filter)) reads the weight itself, so the update must wait for it
   * too, or it races the read and corrupts the gradient.
   */
  private static final Set<String> VIEW_OPS =
      Set.of("Identity", "StopGradient", "Reshape", "ExpandDims", "Squeeze", "Snapshot");

  private static void addReaders(GraphOperation op, Set<GraphOperation> stepOps, List<Op> dependencies) {
    for (GraphOperation reader : op.consumers()) {
      if (stepOps.contains(reader)) {
        dependencies.add(() -> reader);
        if (VIEW_OPS.contains(reader.type())) {
          addReaders(reader, stepOps, dependencies);
        }
      }
    }
  }

  /**
   * The group of each trainable weight: the one group whose patterns match it, else the group
   * without patterns. As torch refuses a parameter in two groups, a weight two groups' patterns
   * match is an error, and so is a pattern that matches no trainable weight (a typo would
   * otherwise train with the wrong rate while the logs show the group's).
   */
  private List<Integer> assignGroups(List<Parameter> trainable) {
    checkPatternsMatch(trainable);
    int rest = -1;
    for (int g = 0; g < groups.size(); g++) {
      if (groups.get(g).patterns().isEmpty()) {
        if (rest >= 0) {
          throw new IllegalArgumentException("parameter groups '" + groups.get(rest).name() + "' and '"
              + groups.get(g).name() + "' both have no params: only one group can take the remaining weights");
        }
        rest = g;
      }
    }
    List<Integer> index = new ArrayList<>();
    List<String> orphans = new ArrayList<>();
    for (Parameter p : trainable) {
      List<Integer> hits = new ArrayList<>();
      for (int g = 0; g < groups.size(); g++) {
        if (!groups.get(g).patterns().isEmpty() && groups.get(g).matches(p.name())) {
          hits.add(g);
        }
      }
      if (hits.size() > 1) {
        throw new IllegalArgumentException("weight " + p.name() + " is in more than one parameter group: "
            + hits.stream().map(g -> "'" + groups.get(g).name() + "' (" + matchingPatterns(groups.get(g), p) + ")")
                .collect(Collectors.joining(" and ")) + "; torch refuses a parameter in two groups");
      }
      int found = hits.isEmpty() ? rest : hits.get(0);
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

  private void checkPatternsMatch(List<Parameter> trainable) {
    for (ParamGroup group : groups) {
      for (String text : group.patterns()) {
        NamePattern pattern = NamePattern.of(text);
        if (trainable.stream().noneMatch(p -> pattern.matches(p.name()))) {
          boolean frozen = model.weights().stream().anyMatch(p -> pattern.matches(p.name()));
          throw new IllegalArgumentException("parameter group '" + group.name() + "': pattern '" + text
              + "' matches no trainable weight of " + model.architecture() + (frozen
                  ? " (only frozen ones: unfreeze them in this stage or drop the pattern)"
                  : "; trainable weights look like " + trainable.get(0).name() + ", "
                      + trainable.get(trainable.size() - 1).name()));
        }
      }
    }
  }

  private static String matchingPatterns(ParamGroup group, Parameter p) {
    return group.patterns().stream().filter(t -> NamePattern.of(t).matches(p.name())).map(t -> "pattern '" + t + "'")
        .collect(Collectors.joining(", "));
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
    return run((String) null, images, batchLabels, null, lrs, step, (int) images.shape().get(0));
  }

  /**
   * Runs one batch in full generality.
   *
   * @param startPath the layer whose cached outputs {@code input} holds, or null for images
   * @param targets probability targets {@code [batch, classes]} when built for them, else null
   * @param stepSamples with gradient accumulation: the number of samples of the optimizer step this
   *     batch completes, or 0 when it only accumulates; without, the batch's size
   */
  public StepResult run(String startPath, TFloat32 input, TInt32 batchLabels, TFloat32 targets, double[] lrs,
      long step, int stepSamples) {
    if ((targets == null) != (softTargets == null)) {
      throw new IllegalArgumentException(softTargets == null ? "this step takes class indices, not probabilities"
          : "this step takes probability targets (MixUp/CutMix)");
    }
    Operand<TFloat32> target = startPath == null ? model.images() : forward.outputs().get(startPath);
    return runOn(target, input, batchLabels, targets, lrs, step, stepSamples);
  }

  /** Zeroes the gradient accumulators (before an epoch, so a batch lost to bad images leaves nothing behind). */
  public void resetAccumulators() {
    if (resetAccumulators != null) {
      model.ensureInitialized();
      state.initializeNew();
      model.session().runner().addTarget(resetAccumulators).run().close();
    }
  }

  /**
   * Whether a step can start from cached outputs of layer {@code path} (the head input, {@code flatten}):
   * every trainable weight is in {@code headModule} and no layer updates state (train-mode
   * BatchNorm) on the way, so the layers before {@code path} compute a fixed function.
   */
  public boolean canStartFrom(String path, String headModule) {
    return forward.outputs().containsKey(path) && forward.updates().isEmpty()
        && model.trainableWeights().stream().allMatch(p -> p.name().startsWith(headModule + "."));
  }

  /** Runs one step feeding precomputed outputs of layer {@code path} instead of images. */
  public StepResult runFrom(String path, TFloat32 features, TInt32 batchLabels, double[] lrs, long step) {
    return run(path, features, batchLabels, null, lrs, step, (int) features.shape().get(0));
  }

  private StepResult runOn(Operand<TFloat32> inputTarget, TFloat32 input, TInt32 batchLabels, TFloat32 targets,
      double[] lrs, long step, int stepSampleCount) {
    try (StepFeeds feeds = new StepFeeds(inputTarget, input, batchLabels, targets, lrs, step, stepSampleCount);
        Result result = feeds.runner.run()) {
      return new StepResult(((TFloat32) result.get(0)).getFloat(), ((TInt32) result.get(1)).getInt());
    }
  }

  /**
   * Runs one step (the update happens) and reports which kernels it executed and in which
   * precision: under bf16, which backward ops run in bfloat16 and which stay float32.
   */
  public KernelCensus traceKernels(TFloat32 images, TInt32 batchLabels, double[] lrs, long step) {
    try (StepFeeds feeds = new StepFeeds(model.images(), images, batchLabels, null, lrs, step,
        (int) images.shape().get(0))) {
      return KernelCensus.trace(feeds.runner);
    }
  }

  /**
   * Whether this step may change weights that a cached folded filter is computed from (the step
   * trains one, or updates BatchNorm running statistics); a frozen bf16 step reads such caches and
   * changes none of their sources, so they stay computed across its steps.
   */
  private boolean changesFoldedWeights() {
    return !forward.updates().isEmpty() || trainableNames.stream().anyMatch(model::feedsCachedFold);
  }

  /** A step's runner with its feeds, and the scalar tensors it created for them. */
  private final class StepFeeds implements AutoCloseable {
    private final List<Tensor> owned = new ArrayList<>();
    private final Session.Runner runner;

    StepFeeds(Operand<TFloat32> inputTarget, TFloat32 input, TInt32 batchLabels, TFloat32 targets, double[] lrs,
        long step, int stepSampleCount) {
      if (lrs.length != groups.size()) {
        throw new IllegalArgumentException("need " + groups.size() + " learning rates, got " + lrs.length);
      }
      model.ensureInitialized();
      state.initializeNew();
      model.refreshCachedFolds();
      if (changesFoldedWeights()) {
        model.weightsChanged();
      }
      runner = model.session().runner().feed(inputTarget, input).feed(labels, batchLabels)
          .feed(seed, own(TInt64.vectorOf(runSeed, step)));
      if (targets != null) {
        runner.feed(softTargets, targets);
      }
      // with accumulation, a step that ends no accumulation window only adds its gradients
      boolean applies = samples == null || stepSampleCount > 0;
      if (samples != null) {
        runner.feed(samples, own(TFloat32.scalarOf(input.shape().get(0))));
        if (applies) {
          runner.feed(stepSamples, own(TFloat32.scalarOf(stepSampleCount)));
        }
      }
      if (applies) {
        for (int g = 0; g < lrs.length; g++) {
          runner.feed(groupLrs.get(g), own(TFloat32.scalarOf((float) lrs[g])));
        }
      }
      runner.fetch(loss).fetch(correct).addTarget(applies ? train : accumulate);
      float32Ops.forEach(runner::addTarget);
    }

    private <T extends Tensor> T own(T tensor) {
      owned.add(tensor);
      return tensor;
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
