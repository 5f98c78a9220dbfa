package dev.tfjtransfer.nn;

import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A network of {@link Layer}s built into its own TensorFlow graph, with torchvision-named
 * variables, a session, and {@code state_dict} style weight I/O. Building calls the root layer
 * once in inference mode on an {@code images} placeholder [-1, H, W, 3] (normalized, NHWC), which
 * creates every variable; training code calls {@link #call} again in {@link Mode#TRAINING} on the
 * same variables.
 */
public final class Model implements AutoCloseable {
  private final String architecture;
  private final Layer root;
  private final Graph graph;
  private final Ops tf;
  private final SessionOptions sessionOptions;
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final Map<String, SummaryRow> summaryRows = new LinkedHashMap<>();
  private final Map<String, Ops> layerScopes = new HashMap<>();
  private final Placeholder<TFloat32> images;
  private final Forward inference;
  private final Operand<TFloat32> logits;
  private final ParameterIo io;
  private Session session;
  private long initSeed;
  /** Ops recomputing the cached folded filters of frozen bf16 training steps, and the weights they read. */
  private final List<Op> foldRefreshes = new ArrayList<>();
  private final Set<String> foldSources = new HashSet<>();
  /** Counts weight changes the cached folds must follow; the caches are current at {@code foldsVersion}. */
  private long weightsVersion;
  private long foldsVersion = -1;

  /** A layer's output as first seen in an inference call, for {@link #summary()}. */
  record SummaryRow(Layer layer, Shape outputShape) {}

  /**
   * The result of calling the model on a tensor: its output, the updates to run with it, and every
   * layer's output by path (an intermediate one can be fed instead of the input, e.g. cached
   * backbone features).
   */
  public record Forward(Operand<TFloat32> output, List<Op> updates, Map<String, Operand<TFloat32>> outputs) {}

  private Model(String architecture, Layer root, long height, long width, SessionOptions sessionOptions) {
    this.architecture = architecture;
    this.root = root;
    this.sessionOptions = sessionOptions;
    this.graph = new Graph();
    this.tf = Ops.create(graph);
    this.io = new ParameterIo(tf);
    this.images = tf.withName("images").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, height, width, 3)));
    this.inference = inferenceCall(images);
    this.logits = inference.output();
  }

  /**
   * Builds {@code root} for inputs of {@code height x width} RGB pixels (other sizes can be called
   * later; layers that need static sizes, like adaptive pooling, adapt per call).
   */
  public static Model build(String architecture, Layer root, long height, long width, SessionOptions options) {
    if (!root.name().isEmpty()) {
      throw new IllegalArgumentException("a model's root layer has an empty name so parameter names start at its"
          + " children; received: name=" + root.name());
    }
    return new Model(architecture, root, height, width, options);
  }

  public static Model build(String architecture, Layer root, long height, long width) {
    return build(architecture, root, height, width, SessionOptions.defaults());
  }

  /**
   * The eval-mode graph on {@code input} (normalized NHWC): BatchNorm with running statistics, no
   * dropout, no state update. The one definition of eval: the validation pass, the prediction grid
   * and {@code predict} run it on {@link #images()}, the export builds it on its serving input.
   */
  public Forward inferenceCall(Operand<TFloat32> input) {
    return call(input, Mode.INFERENCE, BatchNormPolicy.FROZEN_USE_RUNNING_STATS);
  }

  /** Builds the root layer's computation on {@code input} in the given mode, without random ops' seed. */
  public Forward call(Operand<TFloat32> input, Mode mode, BatchNormPolicy batchNormPolicy) {
    return call(input, mode, batchNormPolicy, null);
  }

  /**
   * Builds the root layer's computation on {@code input}.
   *
   * @param seed an int64 [2] operand seeding stateless random ops (dropout) in TRAINING calls
   */
  public Forward call(Operand<TFloat32> input, Mode mode, BatchNormPolicy batchNormPolicy, Operand<TInt64> seed) {
    List<Op> updates = new ArrayList<>();
    Map<String, Operand<TFloat32>> outputs = new LinkedHashMap<>();
    LayerContext context = new LayerContext(this, "", mode, batchNormPolicy, updates, seed, outputs,
        mode == Mode.TRAINING ? new GradientReach(this) : null);
    Operand<TFloat32> output = root.apply(context, input);
    return new Forward(output, Collections.unmodifiableList(updates), Collections.unmodifiableMap(outputs));
  }

  public SessionOptions sessionOptions() {
    return sessionOptions;
  }

  public String architecture() {
    return architecture;
  }

  public Layer root() {
    return root;
  }

  public Graph graph() {
    return graph;
  }

  public Ops tf() {
    return tf;
  }

  /**
   * Ops naming what they create under {@code path}, one object per path for the model's life:
   * TF Java's {@code withSubScope} reads every op name in the graph (to keep names unique), so a
   * new sub-scope per layer call made building a graph quadratic in its size. Ops created through
   * the one object stay unique; a name clash with ops made elsewhere would fail loudly in TF.
   */
  Ops layerScope(String path) {
    return layerScopes.computeIfAbsent(path, tf::withSubScope);
  }

  /** The inference input placeholder: float32 [-1, H, W, 3], already normalized. */
  public Placeholder<TFloat32> images() {
    return images;
  }

  /** The inference output on {@link #images()}. */
  public Operand<TFloat32> logits() {
    return logits;
  }

  /** The inference call on {@link #images()}, with every layer's output. */
  public Forward inference() {
    return inference;
  }

  public int numOutputs() {
    return (int) logits.shape().get(1);
  }

  /** Every variable, weights and buffers, in creation order: the keys of {@code state_dict()}. */
  public List<Parameter> parameters() {
    return List.copyOf(parameters.values());
  }

  /** Learnable weights only, as {@code named_parameters()} lists them. */
  public List<Parameter> weights() {
    return parameters.values().stream().filter(p -> p.kind() == Parameter.Kind.WEIGHT).toList();
  }

  public List<Parameter> trainableWeights() {
    return parameters.values().stream().filter(Parameter::isTrainable).toList();
  }

  public Parameter parameter(String name) {
    Parameter p = parameters.get(name);
    if (p == null) {
      throw new IllegalArgumentException(architecture + " has no parameter '" + name + "'");
    }
    return p;
  }

  /** The session holding this model's variables, created on first use. */
  public synchronized Session session() {
    if (session == null) {
      session = new Session(graph, sessionOptions.toConfigProto());
    }
    return session;
  }

  /** Sets the seed used for parameters that are initialized rather than loaded. */
  public void setInitSeed(long seed) {
    this.initSeed = seed;
  }

  /** Re-initializes every parameter from its layer's initializer (torchvision's init schemes). */
  public void initialize(long seed) {
    this.initSeed = seed;
    io.forgetAssignments();
    ensureInitialized();
  }

  /** Re-initializes the named parameters only, e.g. a new head. */
  public void initialize(long seed, List<String> names) {
    List<Parameter> selected = names.stream().map(this::parameter).toList();
    io.assign(session(), selected, p -> p.initialValue(randomFor(seed, p.name())));
    weightsChanged();
  }

  /** Gives every parameter that was neither loaded nor initialized its initial value. */
  public void ensureInitialized() {
    List<Parameter> pending = parameters.values().stream().filter(p -> !io.isAssigned(p)).toList();
    if (pending.isEmpty()) {
      return;
    }
    // values drawn as their run comes: only about one run's initial values are in memory at once
    io.assign(session(), pending, p -> p.initialValue(randomFor(initSeed, p.name())));
    weightsChanged();
  }

  /**
   * Records that weights may have changed (loading, a training step that updates them, an EMA
   * swap): cached folded filters are recomputed before the next step that reads them.
   */
  public void weightsChanged() {
    weightsVersion++;
  }

  /** Whether a cached folded filter is computed from the weight or buffer {@code name}. */
  public boolean feedsCachedFold(String name) {
    return foldSources.contains(name);
  }

  /** Recomputes the cached folded filters in one run if weights changed since they were computed. */
  public void refreshCachedFolds() {
    if (foldRefreshes.isEmpty() || foldsVersion == weightsVersion) {
      return;
    }
    Session.Runner runner = session().runner();
    foldRefreshes.forEach(runner::addTarget);
    runner.run().close();
    foldsVersion = weightsVersion;
  }

  /** Registers a cached folded filter: {@code refresh} recomputes it from the parameters {@code sources}. */
  void addCachedFold(Op refresh, List<String> sources) {
    foldRefreshes.add(refresh);
    foldSources.addAll(sources);
    foldsVersion = -1;
  }

  /** The parameter whose variable {@code operand} is, if it is one. */
  Optional<Parameter> parameterOf(Operand<?> operand) {
    Parameter p = parameters.get(operand.op().name());
    return p != null && p.variable().op().equals(operand.op()) ? Optional.of(p) : Optional.empty();
  }

  /**
   * Loads torch-layout weights keyed by torchvision names (PyTorch's {@code load_state_dict}).
   * A state_dict without {@code num_batches_tracked} (torchvision's older files) is accepted.
   *
   * @throws IllegalArgumentException in {@link LoadMode#STRICT} mode if any key is missing,
   *     unexpected or mis-shaped, listing all of them; nothing is loaded then
   */
  public LoadReport loadStateDict(StateDict weights, LoadMode mode) {
    List<String> loaded = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    Map<Parameter, HostTensor> values = new LinkedHashMap<>();
    for (Parameter p : parameters.values()) {
      HostTensor t = weights.get(p.name());
      if (t == null) {
        if (!p.name().endsWith(".num_batches_tracked")) {
          missing.add(p.name());
        }
      } else if (!t.hasShape(p.torchShape())) {
        mismatched.add(p.name() + " " + t.shapeString() + " in weights vs " + java.util.Arrays.toString(p.torchShape())
            + " in model");
      } else {
        values.put(p, convert(t, p.dtype()));
        loaded.add(p.name());
      }
    }
    List<String> unexpected = weights.names().stream().filter(n -> !parameters.containsKey(n)).toList();
    LoadReport report = new LoadReport(loaded, missing, unexpected, mismatched);
    if (mode == LoadMode.STRICT && !report.isComplete()) {
      throw new IllegalArgumentException("weights do not fit " + architecture + " (" + numOutputs() + " outputs): "
          + report.problems(8));
    }
    io.assign(session(), values.keySet(), values::get);
    weightsChanged();
    return report;
  }

  /** All weights and buffers in torch layout, as {@code model.state_dict()}. */
  public StateDict stateDict() {
    ensureInitialized();
    StateDict state = new StateDict();
    List<Parameter> all = parameters();
    Session.Runner runner = session().runner();
    for (Parameter p : all) {
      runner.fetch(io.read(p));
    }
    try (Result result = runner.run()) {
      for (int i = 0; i < all.size(); i++) {
        state.put(all.get(i).name(), ParameterIo.toHost(result.get(i), all.get(i).torchShape()));
      }
    }
    return state;
  }

  /**
   * Runs the inference graph on a batch of normalized NHWC images of the build size.
   *
   * @return logits, {@code batch x numOutputs()} row-major
   */
  public float[] predict(float[] nhwcImages, int batch) {
    ensureInitialized();
    Shape shape = Shape.of(batch, images.shape().get(1), images.shape().get(2), 3);
    try (TFloat32 input = TFloat32.tensorOf(shape)) {
      input.asRawTensor().data().asFloats().write(nhwcImages);
      try (Result result = session().runner().feed(images, input).fetch(logits).run()) {
        float[] out = new float[batch * numOutputs()];
        ((TFloat32) result.get(0)).asRawTensor().data().asFloats().read(out);
        return out;
      }
    }
  }

  /** A Keras-style table: layer path, type, output shape, parameters, trainable. */
  public String summary() {
    return ModelSummary.format(this, summaryRows.values());
  }

  @Override
  public void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }

  Parameter createParameter(Layer owner, String name, DType dtype, long[] torchShape, Layout layout,
      Parameter.Kind kind, Parameter.Initializer initializer) {
    if (parameters.containsKey(name)) {
      throw new IllegalStateException("two variables named '" + name + "' in " + architecture);
    }
    Shape graphShape = Shape.of(layout.graphShape(torchShape));
    Ops named = tf.withName(name);
    var variable = dtype == DType.F32 ? named.variable(graphShape, TFloat32.class) : named.variable(graphShape, TInt64.class);
    Parameter p = new Parameter(name, variable, dtype, torchShape, layout, kind, initializer, owner);
    parameters.put(name, p);
    return p;
  }

  void recordOutput(String path, Layer layer, Shape shape) {
    summaryRows.putIfAbsent(path, new SummaryRow(layer, shape));
  }

  private static SplittableRandom randomFor(long seed, String name) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
  }

  private static HostTensor convert(HostTensor t, DType dtype) {
    if (t.dtype() == dtype) {
      return t;
    }
    if (dtype == DType.I64) {
      long[] v = new long[(int) t.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (long) t.floats()[i];
      }
      return HostTensor.ofLongs(t.shape(), v);
    }
    float[] v = new float[(int) t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = t.longs()[i];
    }
    return HostTensor.ofFloats(t.shape(), v);
  }
}
