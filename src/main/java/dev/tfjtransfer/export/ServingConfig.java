package dev.tfjtransfer.export;

import dev.tfjtransfer.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * TensorFlow Serving's {@code models.config} for an export root: one entry per model directory,
 * with base paths as the official image mounts them ({@code /models/<name>}).
 */
public final class ServingConfig {
  public static final String FILE = "models.config";
  /** A version directory's name: TF Serving loads the numeric ones. */
  static final Pattern VERSION = Pattern.compile("\\d{1,9}");
  private static final AtomicInteger WRITES = new AtomicInteger();

  private ServingConfig() {}

  /**
   * Rewrites {@code root/models.config} listing every model under {@code root}: a directory holding
   * at least one numeric version with a {@code saved_model.pb}. Anything else beside the models
   * ({@code src/}, {@code data/}) is no model and stays out.
   *
   * @return the file written
   */
  public static Path write(Path root) throws IOException {
    List<String> models;
    try (Stream<Path> children = Files.list(root)) {
      models = children.filter(ServingConfig::isModel).map(p -> p.getFileName().toString()).sorted().toList();
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
    // a name of its own: exports finishing at once each write a whole file, and the last rename wins
    Path tmp = root.resolve(FILE + ".tmp-" + WRITES.incrementAndGet() + "-" + ProcessHandle.current().pid());
    Path file = root.resolve(FILE);
    AtomicFiles.write(file, tmp, out -> out.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    return file;
  }

  private static boolean isModel(Path dir) {
    if (!Files.isDirectory(dir) || dir.getFileName().toString().startsWith(".")) {
      return false;
    }
    try (Stream<Path> versions = Files.list(dir)) {
      return versions.anyMatch(v -> VERSION.matcher(v.getFileName().toString()).matches()
          && Files.isRegularFile(v.resolve("saved_model.pb")));
    } catch (IOException unreadable) {
      return false;
    }
  }
}
