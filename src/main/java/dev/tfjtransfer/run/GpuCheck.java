package dev.tfjtransfer.run;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/** {@code device: gpu} needs the CUDA build of TensorFlow (mvn -Pgpu) and a visible GPU. */
final class GpuCheck {
  private GpuCheck() {}

  static void require(String device) {
    if (!device.equals("gpu")) {
      return;
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g).withDevice(org.tensorflow.DeviceSpec.newBuilder().deviceType(
          org.tensorflow.DeviceSpec.DeviceType.GPU).deviceIndex(0).build());
      s.runner().fetch(tf.constant(1f)).run().close();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("device: gpu, but TensorFlow sees no GPU (build with mvn -Pgpu on a"
          + " machine with CUDA 12 and cuDNN 9): " + e.getMessage().split("\n")[0]);
    }
  }
}
