package dev.tfjtransfer.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.bytedeco.javacpp.Loader;
import org.tensorflow.TensorFlow;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: this project's, TensorFlow Java's and TensorFlow's versions, and which native build runs. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() throws IOException {
    String project = Main.class.getPackage().getImplementationVersion();
    boolean gpu = TensorFlow.class.getResource("/org/tensorflow/internal/c_api/" + Loader.getPlatform() + "-gpu/"
        + System.mapLibraryName("jnitensorflow")) != null;
    return new String[] {
        "tfj-transfer " + (project == null ? "(development build)" : project),
        "TensorFlow Java " + mavenVersion("tensorflow-core-api") + ", TensorFlow " + TensorFlow.version(),
        "native build: " + Loader.getPlatform() + (gpu ? " GPU (CUDA)" : " CPU"),
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")"};
  }

  private static String mavenVersion(String artifact) throws IOException {
    try (InputStream in = TensorFlow.class.getResourceAsStream(
        "/META-INF/maven/org.tensorflow/" + artifact + "/pom.properties")) {
      if (in == null) {
        return "(unknown)";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    }
  }
}
