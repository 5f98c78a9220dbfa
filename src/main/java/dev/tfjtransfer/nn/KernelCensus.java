package dev.tfjtransfer.nn;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/**
 * Which kernels a session run executed, by op type and element type: read from the partition
 * graphs TensorFlow reports for one traced run, so after Grappler's rewrites (auto mixed
 * precision, fusions) and oneDNN's renaming ({@code _MklNativeConv2DBackpropFilter}). This is how
 * to see where a bf16 session computes in bfloat16 and where it stays float32. The run is fully
 * traced, so the census also holds each kernel group's summed compute time (TensorFlow's step
 * stats; the tracing itself adds a little to each kernel).
 */
public final class KernelCensus {
  private static final String[] ONEDNN_PREFIXES = {"_MklNative", "_Mkl"};

  /** Executed node count keyed "{@code OpType dtype}", e.g. "Conv2DBackpropFilter bfloat16". */
  private final Map<String, Integer> counts;
  /** Summed kernel time in microseconds, same keys. */
  private final Map<String, Long> micros;

  private KernelCensus(Map<String, Integer> counts, Map<String, Long> micros) {
    this.counts = Collections.unmodifiableMap(counts);
    this.micros = Collections.unmodifiableMap(micros);
  }

  /**
   * Runs {@code runner} once (a real run: targets such as optimizer updates take effect) with the
   * partition graphs requested, and counts their nodes.
   */
  public static KernelCensus trace(Session.Runner runner) {
    runner.setOptions(RunOptions.newBuilder().setOutputPartitionGraphs(true)
        .setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build());
    try (Result result = runner.runAndFetchMetadata()) {
      RunMetadata metadata = result.getMetadata().orElseThrow(
          () -> new IllegalStateException("TensorFlow returned no run metadata"));
      return of(metadata);
    }
  }

  static KernelCensus of(RunMetadata metadata) {
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, String> keyOfNode = new java.util.HashMap<>();
    for (GraphDef graph : metadata.getPartitionGraphsList()) {
      for (NodeDef node : graph.getNodeList()) {
        String key = baseType(node.getOp()) + " " + elementType(node);
        counts.merge(key, 1, Integer::sum);
        keyOfNode.put(node.getName(), key);
      }
    }
    Map<String, Long> micros = new TreeMap<>();
    for (DeviceStepStats device : metadata.getStepStats().getDevStatsList()) {
      for (NodeExecStats node : device.getNodeStatsList()) {
        String key = keyOfNode.get(node.getNodeName());
        if (key != null) {
          micros.merge(key, node.getOpEndRelMicros() - node.getOpStartRelMicros(), Long::sum);
        }
      }
    }
    return new KernelCensus(counts, micros);
  }

  /** How many executed nodes of {@code opType} (without oneDNN's prefix) computed in {@code dtype}. */
  public int count(String opType, DataType dtype) {
    return counts.getOrDefault(opType + " " + name(dtype), 0);
  }

  /** Executed nodes whose element type is {@code dtype}, over all op types. */
  public int countOfType(DataType dtype) {
    String suffix = " " + name(dtype);
    return counts.entrySet().stream().filter(e -> e.getKey().endsWith(suffix)).mapToInt(Map.Entry::getValue).sum();
  }

  /** Every executed "{@code OpType dtype}" with its node count, sorted by key. */
  public Map<String, Integer> counts() {
    return counts;
  }

  /**
   * Summed kernel time in microseconds of every traced "{@code OpType dtype}", sorted by key;
   * empty when TensorFlow reported no step stats.
   */
  public Map<String, Long> micros() {
    return micros;
  }

  private static String baseType(String op) {
    for (String prefix : ONEDNN_PREFIXES) {
      if (op.startsWith(prefix)) {
        return op.substring(prefix.length());
      }
    }
    return op;
  }

  /** The type the node computes in: its T attribute, a Cast's destination type, else "-". */
  private static String elementType(NodeDef node) {
    Map<String, AttrValue> attributes = node.getAttrMap();
    AttrValue type = attributes.containsKey("T") ? attributes.get("T") : attributes.get("DstT");
    return type == null ? "-" : name(type.getType());
  }

  private static String name(DataType dtype) {
    // DT_BFLOAT16 -> bfloat16, DT_FLOAT -> float
    return dtype.name().substring(3).toLowerCase(java.util.Locale.ROOT);
  }
}
