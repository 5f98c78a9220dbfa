package dev.tfjtransfer.nn;

import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * Threading and precision of the TensorFlow session. TF's default thread pools oversubscribe a
 * small machine; the intra-op pool sized to the cores and two inter-op threads measured fastest
 * on 2 cores (inter-op 2 is 3-10% faster for training than 1).
 *
 * <p>{@link Precision#BF16} turns on Grappler's oneDNN auto mixed precision: convolutions and
 * matrix products run in bfloat16 (AMX / AVX512-BF16 on CPUs that have them) while variables,
 * BatchNorm statistics and the loss stay float32. In a training step the rewriter also converts
 * the backward ops (Conv2DBackpropFilter/Input, FusedBatchNormGradV3, ReluGrad, pooling
 * gradients) and casts each weight gradient back to float32 before the optimizer's update, so
 * master weights and optimizer state stay float32 ({@code KernelCensus} shows what ran). Logits
 * change slightly, so it is opt-in.
 */
public record SessionOptions(int intraOpThreads, int interOpThreads, Precision precision) {
  /** Arithmetic precision of the compute-heavy ops. */
  public enum Precision {
    F32,
    BF16;

    /** {@code f32} or {@code bf16}, as configs and the command line spell them. */
    public static Precision of(String name) {
      return switch (name) {
        case "f32" -> F32;
        case "bf16" -> BF16;
        default -> throw new IllegalArgumentException("precision must be f32 or bf16; received: " + name);
      };
    }
  }

  public SessionOptions {
    if (intraOpThreads <= 0 || interOpThreads <= 0) {
      throw new IllegalArgumentException("thread counts must be positive; received: intraOpThreads="
          + intraOpThreads + ", interOpThreads=" + interOpThreads);
    }
  }

  public SessionOptions(int intraOpThreads, int interOpThreads) {
    this(intraOpThreads, interOpThreads, Precision.F32);
  }

  public static SessionOptions defaults() {
    return new SessionOptions(Runtime.getRuntime().availableProcessors(), 2);
  }

  public SessionOptions withPrecision(Precision next) {
    return new SessionOptions(intraOpThreads, interOpThreads, next);
  }

  /** The session configuration these options stand for. */
  public ConfigProto toConfigProto() {
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads);
    if (precision == Precision.BF16) {
      config.setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(RewriterConfig.newBuilder()
          .setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON)));
    }
    return config.build();
  }
}
