package dev.tfjtransfer.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * TensorFlow Serving's {@code models.config} for an export root: one entry per model directory,
 * with base paths as the official image mounts them ({@code /models/<name>}).
 */
public final class ServingConfig {
  public static final String FILE = "models.config";

  private ServingConfig() {}

  /** Rewrites {@code root/models.config} listing every model directory under {@code root}. */
  public static void write(Path root) throws IOException {
    List<String> models;
    try (Stream<Path> children = Files.list(root)) {
      models = children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".")).sorted().toList();
    }
    StringBuilder sb = new StringBuilder("model_config_list {\n");
    for (String name : models) {
      sb.append("  config {\n")
          .append("    name: '").append(name).append("'\n")
          .append("    base_path: '/models/").append(name).append("'\n")
          .append("    model_platform: 'tensorflow'\n")
          .append("  }\n");
    }
    sb.append("}\n");
    Path tmp = root.resolve(FILE + ".tmp");
    Files.writeString(tmp, sb.toString());
    Files.move(tmp, root.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
