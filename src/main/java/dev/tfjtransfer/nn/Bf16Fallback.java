package dev.tfjtransfer.nn;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.tensorflow.GraphOperation;

/**
 * Which ops of a bf16 training step stay float32. Grappler's oneDNN auto mixed precision converts
 * every depthwise convolution and its gradients to bfloat16 and pulls the element-wise ops between
 * bf16 ops along; on the Zen 4 machine of the README a traced efficientnet_b0 step spent 6x longer
 * in oneDNN's bf16 depthwise backward kernels than in its float32 ones, and Eigen's bf16 Sigmoid,
 * SoftplusGrad (SiLU), Mul, Add and Sub were 2-8x slower than float32, which made bf16 full training
 * of EfficientNet and MobileNetV3 slower than float32. The rewriter leaves alone the nodes a run
 * fetches or targets, so a step that backpropagates through depthwise convolutions targets these
 * ops (they run anyway) and they compute in float32; the pointwise convolutions, BatchNorm and
 * their gradients stay bf16. Steps without depthwise gradients (ResNet, DenseNet, VGG, and any
 * step whose depthwise convolutions are frozen) are left to the rewriter as before.
 */
public final class Bf16Fallback {
  private static final Set<String> DEPTHWISE_GRADIENTS =
      Set.of("DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput");
  /** Ops without a fast bf16 kernel here (oneDNN's depthwise backward, Eigen's element-wise ops). */
  private static final Set<String> FLOAT32_TYPES = Set.of("DepthwiseConv2dNative",
      "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "Sigmoid", "SigmoidGrad",
      "SoftplusGrad", "Mul", "Sub", "Add", "AddV2", "AddN");

  private Bf16Fallback() {}

  /**
   * The ops to keep float32 among {@code differentiated}, the ops between the trainable weights and
   * their gradients (forward ops that gradients flow through, and the backward ops): those of
   * {@link #FLOAT32_TYPES} when any depthwise gradient is among them, else none. Ops that gradients
   * do not flow through are left to Grappler, whose fusions (e.g. x * Sigmoid(x) into one Swish
   * kernel) a targeted op would block or break.
   */
  public static List<GraphOperation> keptFloat32(Collection<GraphOperation> differentiated) {
    if (differentiated.stream().noneMatch(op -> DEPTHWISE_GRADIENTS.contains(op.type()))) {
      return List.of();
    }
    return differentiated.stream().filter(op -> FLOAT32_TYPES.contains(op.type())).toList();
  }
}
