package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * An exponential moving average of every weight and buffer of a model (timm's ModelEmaV2 /
 * ModelEmaV3): after each optimizer step, ema = ema + (1 - decay) * (weight - ema) for floating
 * point tensors, and integer buffers (num_batches_tracked) are copied. It starts as a copy of the
 * model. The averages are graph variables named {@code ema/<parameter>}, updated by one op, so
 * a step costs one extra session run and no host copy. Validating on the averages swaps them into
 * the model inside the graph too: the model's own weights wait in variables {@code
 * ema_swap/<parameter>} (one more copy of the weights, instead of a host round trip of all of
 * them per validation).
 */
public final class ModelEma {
  private static final String PREFIX = "ema/";

  private final Model model;
  private Spec spec;
  private final List<Parameter> parameters;
  private final Map<String, Variable<?>> shadows = new LinkedHashMap<>();
  private final Placeholder<TFloat32> weight;
  private final Op update;
  private final Op copyFromModel;
  private final Op copyToModel;
  private final Op keepModelWeights;
  private final Op restoreModelWeights;
  private boolean swapped;
  private final Map<String, Placeholder<?>> restoreFeeds = new LinkedHashMap<>();
  private final Map<String, Op> restoreOps = new LinkedHashMap<>();
  private long updates;

  /**
   * @param decay the average's decay (timm's default 0.9998 in its train script)
   * @param warmup whether the decay warms up as timm's ModelEmaV3 with use_warmup: on the n-th
   *     update (n from 1) it is 0 for n = 1, else clamp(1 - (1 + (n - 1) / gamma)^-power,
   *     minDecay, decay); without warm-up it is {@code decay} throughout (ModelEmaV2)
   * @param useForValidation whether validation, the best-accuracy tracking and best.safetensors
   *     use the averaged weights instead of the trained ones
   */
  public record Spec(double decay, boolean warmup, double warmupGamma, double warmupPower, double minDecay,
      boolean useForValidation) {
    public Spec {
      if (!(decay >= 0 && decay <= 1) || !(minDecay >= 0 && minDecay <= decay) || !(warmupGamma > 0)
          || !(warmupPower > 0)) {
        throw new IllegalArgumentException("ema needs 0 <= min_decay <= decay <= 1 and positive warmup_gamma and"
            + " warmup_power; received: decay=" + decay + ", min_decay=" + minDecay + ", warmup_gamma=" + warmupGamma
            + ", warmup_power=" + warmupPower);
      }
    }

    /** ModelEmaV2(decay), validated and checkpointed with the averaged weights. */
    public static Spec of(double decay) {
      return new Spec(decay, false, 1, 2.0 / 3, 0, true);
    }

    /** ModelEmaV3(decay, use_warmup=True) with timm's warm-up defaults (gamma 1, power 2/3). */
    public static Spec withWarmup(double decay) {
      return new Spec(decay, true, 1, 2.0 / 3, 0, true);
    }

    /** The decay of the {@code n}-th update (n from 1). */
    public double decayAt(long n) {
      if (!warmup) {
        return decay;
      }
      long step = Math.max(0, n - 1);
      if (step <= 0) {
        return 0;
      }
      double warm = 1 - Math.pow(1 + step / warmupGamma, -warmupPower);
      return Math.max(Math.min(warm, decay), minDecay);
    }
  }

  /** Starts the average at the model's current weights. */
  ModelEma(Model model, Spec spec) {
    this.model = model;
    this.spec = spec;
    this.parameters = model.parameters();
    Ops tf = model.tf().withSubScope("ema");
    weight = tf.withName("weight").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    List<Op> updateOps = new ArrayList<>();
    List<Op> fromModel = new ArrayList<>();
    List<Op> toModel = new ArrayList<>();
    List<Op> keep = new ArrayList<>();
    List<Op> restore = new ArrayList<>();
    Ops swapOps = model.tf().withSubScope("ema_swap");
    for (Parameter p : parameters) {
      Ops named = tf.withName(p.name());
      Variable<?> shadow = p.dtype() == DType.F32 ? named.variable(p.variable().shape(), TFloat32.class)
          : named.variable(p.variable().shape(), TInt64.class);
      shadows.put(p.name(), shadow);
      fromModel.add(tf.assign(cast(shadow), cast(p.variable())));
      toModel.add(tf.assign(cast(p.variable()), cast(shadow)));
      Variable<?> kept = swapOps.withName(p.name()).variable(p.variable().shape(), p.variable().type());
      keep.add(swapOps.assign(cast(kept), cast(p.variable())));
      restore.add(swapOps.assign(cast(p.variable()), cast(kept)));
      if (p.dtype() == DType.F32) {
        @SuppressWarnings("unchecked")
        Variable<TFloat32> average = (Variable<TFloat32>) shadow;
        @SuppressWarnings("unchecked")
        Operand<TFloat32> current = (Operand<TFloat32>) p.variable();
        updateOps.add(tf.assignAdd(average, tf.math.mul(weight, tf.math.sub(current, average))));
      } else {
        updateOps.add(tf.assign(cast(shadow), cast(p.variable())));
      }
    }
    update = tf.withControlDependencies(updateOps).noOp();
    copyFromModel = tf.withControlDependencies(fromModel).noOp();
    copyToModel = tf.withControlDependencies(toModel).noOp();
    keepModelWeights = swapOps.withControlDependencies(keep).noOp();
    restoreModelWeights = swapOps.withControlDependencies(restore).noOp();
    model.ensureInitialized();
    run(copyFromModel);
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> Operand<T> cast(Operand<?> operand) {
    return (Operand<T>) operand;
  }

  public Spec spec() {
    return spec;
  }

  /** A later stage's settings; the average itself carries on. */
  void setSpec(Spec next) {
    this.spec = next;
  }

  /** How many updates the average has had (drives the warm-up). */
  public long updates() {
    return updates;
  }

  /** Folds the model's current weights in: call after each optimizer step. */
  void update() {
    updates++;
    try (TFloat32 w = TFloat32.scalarOf((float) (1 - spec.decayAt(updates)))) {
      model.session().runner().feed(weight, w).addTarget(update).run().close();
    }
  }

  /** The averaged weights as a torch-layout state_dict (the model's weights are left as they were). */
  public StateDict stateDict() {
    if (swapped) {
      return model.stateDict();
    }
    swapIntoModel();
    try {
      return model.stateDict();
    } finally {
      restoreModelWeights();
    }
  }

  /** Puts the averaged weights into the model, keeping its own for {@link #restoreModelWeights}. */
  void swapIntoModel() {
    if (swapped) {
      throw new IllegalStateException("the averaged weights are in the model already");
    }
    run(keepModelWeights);
    run(copyToModel);
    model.weightsChanged();
    swapped = true;
  }

  /** Puts back the model's own weights that {@link #swapIntoModel} kept. */
  void restoreModelWeights() {
    if (!swapped) {
      throw new IllegalStateException("the averaged weights are not in the model");
    }
    run(restoreModelWeights);
    model.weightsChanged();
    swapped = false;
  }

  private void run(Op target) {
    model.session().runner().addTarget(target).run().close();
  }

  /** The averages in graph layout keyed {@code ema/<parameter>}, for checkpoints. */
  public StateDict values() {
    StateDict out = new StateDict();
    Session.Runner runner = model.session().runner();
    List<String> names = new ArrayList<>(shadows.keySet());
    names.forEach(n -> runner.fetch(shadows.get(n)));
    try (Result result = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        Tensor t = result.get(i);
        long[] shape = t.shape().asArray();
        if (t instanceof TFloat32) {
          float[] v = new float[(int) t.shape().size()];
          t.asRawTensor().data().asFloats().read(v);
          out.put(PREFIX + names.get(i), HostTensor.ofFloats(shape, v));
        } else {
          long[] v = new long[(int) t.shape().size()];
          t.asRawTensor().data().asLongs().read(v);
          out.put(PREFIX + names.get(i), HostTensor.ofLongs(shape, v));
        }
      }
    }
    return out;
  }

  /** Whether a checkpoint key belongs to the average. */
  public static boolean isEmaKey(String key) {
    return key.startsWith(PREFIX);
  }

  /** Restores what {@link #values()} saved, and the update count. */
  void restore(StateDict saved, long savedUpdates) {
    Session.Runner runner = model.session().runner();
    List<Tensor> tensors = new ArrayList<>();
    try {
      for (Map.Entry<String, Variable<?>> e : shadows.entrySet()) {
        HostTensor value = saved.get(PREFIX + e.getKey());
        if (value == null) {
          throw new IllegalArgumentException("the checkpoint has no average of " + e.getKey());
        }
        Tensor t;
        if (value.dtype() == DType.F32) {
          TFloat32 f = TFloat32.tensorOf(Shape.of(value.shape()));
          f.asRawTensor().data().asFloats().write(value.floats());
          t = f;
        } else {
          TInt64 l = TInt64.tensorOf(Shape.of(value.shape()));
          l.asRawTensor().data().asLongs().write(value.longs());
          t = l;
        }
        tensors.add(t);
        Placeholder<?> feed = restoreFeeds.computeIfAbsent(e.getKey(), k -> {
          Ops tf = model.tf().withSubScope("ema_restore");
          Placeholder<?> p = tf.placeholder(e.getValue().type(), Placeholder.shape(e.getValue().shape()));
          restoreOps.put(k, tf.assign(cast(e.getValue()), cast(p)));
          return p;
        });
        runner.feed(feed, t).addTarget(restoreOps.get(e.getKey()));
      }
      runner.run().close();
    } finally {
      tensors.forEach(Tensor::close);
    }
    updates = savedUpdates;
  }
}
