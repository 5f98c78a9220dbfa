package dev.tfjtransfer.cli;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * Keeps TensorFlow's native INFO lines off the console (the oneDNN banner, cpu_feature_guard,
 * "Calling Java gradient function ..." per ReLU, absl's InitializeLog warning, the MLIR line),
 * while its warnings and errors still show.
 *
 * <p>TensorFlow's own logger reads {@code TF_CPP_MIN_LOG_LEVEL} once, at its first message, which
 * it prints while its library loads; so the variable is set through libc's setenv (JNA) before
 * anything touches TensorFlow. JavaCPP cannot do it: its natives live in TensorFlow's JNI library.
 * The absl copy statically inside libtensorflow_cc ignores that variable and keeps its level
 * private, but prints its lines once per process (LOG_FIRST_N): a one-op warm-up session with
 * stderr pointed at /dev/null uses them up.
 */
final class NativeLogs {
  static final String LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL";
  private static final int O_WRONLY = 1;

  private NativeLogs() {}

  /** Sets the level to WARNING unless the user chose one; call before TensorFlow's library loads. */
  static void setLevelBeforeLoading() {
    if (System.getenv(LEVEL_VARIABLE) == null) {
      libc("setenv").invokeInt(new Object[] {LEVEL_VARIABLE, "1", 0});
    }
  }

  /** Loads TensorFlow and runs one op with the native stderr discarded, so absl's first-use lines go nowhere. */
  static void absorbFirstUseLines() {
    System.err.flush();
    int saved = libc("dup").invokeInt(new Object[] {2});
    int devNull = libc("open").invokeInt(new Object[] {"/dev/null", O_WRONLY});
    if (saved < 0 || devNull < 0) {
      return;
    }
    try {
      libc("dup2").invokeInt(new Object[] {devNull, 2});
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        s.runner().fetch(tf.math.add(tf.constant(1f), tf.constant(1f))).run().close();
      }
    } finally {
      libc("dup2").invokeInt(new Object[] {saved, 2});
      libc("close").invokeInt(new Object[] {saved});
      libc("close").invokeInt(new Object[] {devNull});
    }
  }

  private static Function libc(String name) {
    return NativeLibrary.getInstance("c").getFunction(name);
  }
}
