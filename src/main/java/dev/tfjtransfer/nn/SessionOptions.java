package dev.tfjtransfer.nn;

import org.tensorflow.proto.ConfigProto;

/**
 * Threading of the TensorFlow session. TF's defaults oversubscribe a small machine; the
 * intra-op pool sized to the cores and two inter-op threads measured fastest on 2 cores
 * (TFJAVA-NOTES: inter-op 2 is 3-10% faster for training than 1).
 */
public record SessionOptions(int intraOpThreads, int interOpThreads) {
  public SessionOptions {
    if (intraOpThreads <= 0 || interOpThreads <= 0) {
      throw new IllegalArgumentException("thread counts must be positive; received: intraOpThreads="
          + intraOpThreads + ", interOpThreads=" + interOpThreads);
    }
  }

  public static SessionOptions defaults() {
    return new SessionOptions(Runtime.getRuntime().availableProcessors(), 2);
  }

  ConfigProto toConfigProto() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads)
        .build();
  }
}
