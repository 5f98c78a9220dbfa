package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Moves parameter values between torch-layout host tensors and graph variables. The layout
 * change (OIHW to HWIO, (out, in) to (in, out)) is a transpose inside the graph, so host data is
 * copied once into a tensor and never permuted in Java. Ops are created on first use per parameter.
 */
final class ParameterIo {
  private final Ops loadOps;
  private final Ops readOps;
  private final Map<String, Placeholder<?>> feeds = new HashMap<>();
  private final Map<String, Op> assigns = new HashMap<>();
  private final Map<String, Operand<?>> reads = new HashMap<>();

  ParameterIo(Ops tf) {
    // one scope each, so exports can prune these ops by name
    this.loadOps = tf.withSubScope(LOAD_SCOPE);
    this.readOps = tf.withSubScope(READ_SCOPE);
  }

  static final String LOAD_SCOPE = "load_state_dict";
  static final String READ_SCOPE = "state_dict";

  /**
   * Assigns the values in runs of at most {@link #ELEMENTS_PER_RUN} (a larger tensor alone), so
   * native memory holds few copies at a time (VGG16's classifier.0 alone is 411 MB). Every assign
   * op is created before the first run: a run after the graph grew re-prunes and re-optimizes the
   * whole graph, so one run per parameter made loading quadratic (efficientnet_b0's 360 tensors
   * took 40 s).
   */
  void assign(Session session, Map<Parameter, HostTensor> values) {
    prepare(values.keySet());
    List<Map.Entry<Parameter, HostTensor>> run = new ArrayList<>();
    long elements = 0;
    for (Map.Entry<Parameter, HostTensor> e : values.entrySet()) {
      long size = HostTensor.elementCount(e.getValue().shape());
      if (!run.isEmpty() && elements + size > ELEMENTS_PER_RUN) {
        assignTogether(session, run);
        run.clear();
        elements = 0;
      }
      run.add(e);
      elements += size;
    }
    if (!run.isEmpty()) {
      assignTogether(session, run);
    }
  }

  /** 64 MB of float32 values. */
  static final long ELEMENTS_PER_RUN = 16L << 20;

  /** Creates the assign ops of {@code parameters} now, so later runs do not grow the graph. */
  void prepare(Collection<Parameter> parameters) {
    parameters.forEach(this::createAssign);
  }

  private void assignTogether(Session session, List<Map.Entry<Parameter, HostTensor>> values) {
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (Map.Entry<Parameter, HostTensor> e : values) {
        Tensor t = toTensor(e.getValue());
        tensors.add(t);
        String name = e.getKey().name();
        runner.feed(feeds.get(name), t).addTarget(assigns.get(name));
      }
      runner.run().close();
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  /** An op producing the parameter's value in torch layout. */
  Operand<?> read(Parameter p) {
    return reads.computeIfAbsent(p.name(), n -> {
      int[] perm = p.layout().graphToTorch();
      return perm == null ? readOps.identity(p.variable()) : readOps.linalg.transpose(p.variable(), readOps.constant(perm));
    });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void createAssign(Parameter p) {
    if (assigns.containsKey(p.name())) {
      return;
    }
    Ops scoped = loadOps;
    Class<? extends TType> type = p.dtype() == DType.F32 ? TFloat32.class : TInt64.class;
    Placeholder feed = scoped.placeholder(type, Placeholder.shape(Shape.of(p.torchShape())));
    int[] perm = p.layout().torchToGraph();
    Operand value = perm == null ? feed : scoped.linalg.transpose(feed, scoped.constant(perm));
    feeds.put(p.name(), feed);
    assigns.put(p.name(), scoped.assign((Operand) p.variable(), value));
  }

  static Tensor toTensor(HostTensor t) {
    Shape shape = Shape.of(t.shape());
    if (t.dtype() == DType.F32) {
      TFloat32 tensor = TFloat32.tensorOf(shape);
      tensor.asRawTensor().data().asFloats().write(t.floats());
      return tensor;
    }
    TInt64 tensor = TInt64.tensorOf(shape);
    tensor.asRawTensor().data().asLongs().write(t.longs());
    return tensor;
  }

  static HostTensor toHost(Tensor t, long[] shape) {
    if (t instanceof TFloat32) {
      float[] v = new float[(int) HostTensor.elementCount(shape)];
      t.asRawTensor().data().asFloats().read(v);
      return HostTensor.ofFloats(shape, v);
    }
    long[] v = new long[(int) HostTensor.elementCount(shape)];
    t.asRawTensor().data().asLongs().read(v);
    return HostTensor.ofLongs(shape, v);
  }
}
