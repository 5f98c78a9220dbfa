package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
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
  private final Set<String> assigned = new HashSet<>();

  ParameterIo(Ops tf) {
    // one scope each, so exports can prune these ops by name
    this.loadOps = tf.withSubScope(LOAD_SCOPE);
    this.readOps = tf.withSubScope(READ_SCOPE);
  }

  static final String LOAD_SCOPE = "load_state_dict";
  static final String READ_SCOPE = "state_dict";

  /** Values assigned by one session run at most (unless a single parameter is larger). */
  private static final long BYTES_PER_RUN = 64L << 20;

  /**
   * Assigns {@code valueOf(p)} to each parameter in runs of at most {@link #BYTES_PER_RUN}, taking
   * the values only when their run comes, so little more than one parameter's copy exists in
   * memory at a time (VGG16's classifier.0 alone is 411 MB). Not one run per parameter: each new
   * set of feeds makes the session prune and copy the whole graph, which made loading DenseNet-121
   * (727 parameters) take minutes; and all assign ops exist before the first run, since a session
   * also re-reads a graph that grew. Records the parameters as assigned (loaded or initialized).
   */
  void assign(Session session, Collection<Parameter> parameters, Function<Parameter, HostTensor> valueOf) {
    parameters.forEach(this::createAssign);
    List<Parameter> chunk = new ArrayList<>();
    long chunkBytes = 0;
    for (Parameter p : parameters) {
      long bytes = p.size() * (p.dtype() == DType.F32 ? Float.BYTES : Long.BYTES);
      if (!chunk.isEmpty() && chunkBytes + bytes > BYTES_PER_RUN) {
        run(session, chunk, valueOf);
        chunk.clear();
        chunkBytes = 0;
      }
      chunk.add(p);
      chunkBytes += bytes;
    }
    if (!chunk.isEmpty()) {
      run(session, chunk, valueOf);
    }
  }

  private void run(Session session, List<Parameter> chunk, Function<Parameter, HostTensor> valueOf) {
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (Parameter p : chunk) {
        Tensor t = toTensor(valueOf.apply(p));
        tensors.add(t);
        runner.feed(feeds.get(p.name()), t).addTarget(assigns.get(p.name()));
      }
      runner.run().close();
    } finally {
      tensors.forEach(Tensor::close);
    }
    chunk.forEach(p -> assigned.add(p.name()));
  }

  /** Whether {@link #assign} gave {@code p} a value since the last {@link #forgetAssignments}. */
  boolean isAssigned(Parameter p) {
    return assigned.contains(p.name());
  }

  /** Marks every parameter unassigned, so the model initializes them all again. */
  void forgetAssignments() {
    assigned.clear();
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
