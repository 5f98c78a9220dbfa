package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The optimizer's per-parameter state (torch's {@code optimizer.state}: {@code momentum_buffer},
 * {@code exp_avg}, {@code exp_avg_sq}, {@code step}) as graph variables named
 * {@code optimizer/<parameter>/<slot>}. Kept apart from a training step so a second stage can
 * carry it over or {@link #reset} it.
 */
public final class OptimizerState {
  private final Model model;
  private final Map<String, Variable<TFloat32>> slots = new LinkedHashMap<>();
  private final Map<String, Op> zeroers = new LinkedHashMap<>();
  private final List<String> pendingInit = new ArrayList<>();
  private final Map<String, Placeholder<TFloat32>> restoreFeeds = new LinkedHashMap<>();
  private final Map<String, Op> restoreOps = new LinkedHashMap<>();

  /**
   * Scopes made once and reused: TF Java's {@code withSubScope} reads every op name in the graph to
   * keep names unique, so a sub-scope per slot made building a training step quadratic in the
   * graph's size (3 of resnet18's 4 s). Ops created through one scope object stay unique.
   */
  private Ops slotScope;
  private Ops initScope;
  private Ops restoreScope;

  public OptimizerState(Model model) {
    this.model = model;
  }

  private Ops slotScope() {
    if (slotScope == null) {
      slotScope = model.tf().withSubScope("optimizer");
      initScope = model.tf().withSubScope("optimizer_init");
    }
    return slotScope;
  }

  /** The slot {@code slot} of {@code p}, created (zero-initialized on next run) if new. */
  Variable<TFloat32> slot(Parameter p, String slot, boolean scalar) {
    String key = "optimizer/" + p.name() + "/" + slot;
    return slots.computeIfAbsent(key, k -> {
      Shape shape = scalar ? Shape.scalar() : Shape.of(p.layout().graphShape(p.torchShape()));
      // graph op optimizer/<parameter>.<slot>: withName, unlike a sub-scope per parameter, reads no names
      Variable<TFloat32> v = slotScope().withName(p.name() + "." + slot).variable(shape, TFloat32.class);
      // fill, not zeros: Ops.zeros opens a sub-scope of its own
      Operand<TFloat32> zeros = initScope.fill(initScope.constant(shape), initScope.constant(0f));
      zeroers.put(k, initScope.assign(v, zeros));
      pendingInit.add(k);
      return v;
    });
  }

  /** Zeroes slots created since the last call (new parameters start with fresh state). */
  void initializeNew() {
    if (pendingInit.isEmpty()) {
      return;
    }
    var runner = model.session().runner();
    pendingInit.forEach(k -> runner.addTarget(zeroers.get(k)));
    runner.run().close();
    pendingInit.clear();
  }

  /** Zeroes every slot: the next step starts as a fresh optimizer. */
  public void reset() {
    var runner = model.session().runner();
    zeroers.values().forEach(runner::addTarget);
    if (!zeroers.isEmpty()) {
      runner.run().close();
    }
    pendingInit.clear();
  }

  /** Every slot's value (graph layout), keyed {@code optimizer/<parameter>/<slot>}, for checkpoints. */
  public StateDict values() {
    initializeNew();
    StateDict out = new StateDict();
    if (slots.isEmpty()) {
      return out;
    }
    List<String> keys = new ArrayList<>(slots.keySet());
    var runner = model.session().runner();
    keys.forEach(k -> runner.fetch(slots.get(k)));
    try (Result result = runner.run()) {
      for (int i = 0; i < keys.size(); i++) {
        Tensor t = result.get(i);
        float[] v = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(v);
        out.put(keys.get(i), HostTensor.ofFloats(t.shape().asArray(), v));
      }
    }
    return out;
  }

  /**
   * Restores slot values saved by {@link #values()}; slots of the current step that the checkpoint
   * lacks stay zero.
   */
  public void restore(StateDict saved) {
    initializeNew();
    var runner = model.session().runner();
    List<Tensor> tensors = new ArrayList<>();
    try {
      for (Map.Entry<String, Variable<TFloat32>> e : slots.entrySet()) {
        HostTensor value = saved.get(e.getKey());
        if (value == null) {
          continue;
        }
        TFloat32 t = TFloat32.tensorOf(Shape.of(value.shape()));
        t.asRawTensor().data().asFloats().write(value.floats());
        tensors.add(t);
        Placeholder<TFloat32> feed = restoreFeeds.computeIfAbsent(e.getKey(), k -> {
          if (restoreScope == null) {
            restoreScope = model.tf().withSubScope("optimizer_restore");
          }
          Ops tf = restoreScope;
          Placeholder<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(e.getValue().shape()));
          restoreOps.put(k, tf.assign(e.getValue(), p));
          return p;
        });
        runner.feed(feed, t).addTarget(restoreOps.get(e.getKey()));
      }
      if (!tensors.isEmpty()) {
        runner.run().close();
      }
    } finally {
      tensors.forEach(Tensor::close);
    }
  }
}
