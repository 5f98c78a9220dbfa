package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
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

  public OptimizerState(Model model) {
    this.model = model;
  }

  /** The slot {@code slot} of {@code p}, created (zero-initialized on next run) if new. */
  Variable<TFloat32> slot(Parameter p, String slot, boolean scalar) {
    String key = "optimizer/" + p.name() + "/" + slot;
    return slots.computeIfAbsent(key, k -> {
      Ops tf = model.tf();
      Shape shape = scalar ? Shape.scalar() : Shape.of(p.layout().graphShape(p.torchShape()));
      Variable<TFloat32> v = tf.withSubScope("optimizer").withSubScope(p.name()).withName(slot)
          .variable(shape, TFloat32.class);
      Operand<TFloat32> zeros = tf.zeros(tf.constant(shape), TFloat32.class);
      zeroers.put(k, tf.withSubScope("optimizer_init").assign(v, zeros));
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

  /** Slot variables by name, for checkpoints. */
  public Map<String, Variable<TFloat32>> slots() {
    return java.util.Collections.unmodifiableMap(slots);
  }
}
