package dev.tfjtransfer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * torchvision's {@code ImageFolder}: one subdirectory per class, classes sorted by name and
 * numbered in that order ({@code class_to_idx}), samples sorted by path within each class. Files
 * with extensions jpg, jpeg, png and bmp (any case) are samples; other files are ignored.
 */
public final class ImageFolder implements Dataset {
  private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp");

  private final Path root;
  private final List<String> classes;
  private final List<Path> files = new ArrayList<>();
  private final List<Integer> labels = new ArrayList<>();

  private ImageFolder(Path root) throws IOException {
    this.root = root;
    if (!Files.isDirectory(root)) {
      throw new IOException(root + ": dataset directory does not exist (expected one subdirectory per class)");
    }
    List<Path> classDirs;
    try (Stream<Path> list = Files.list(root)) {
      classDirs = list.filter(Files::isDirectory).sorted().toList();
    }
    if (classDirs.isEmpty()) {
      throw new IOException(root + ": no class subdirectories (expected " + root + "/<class>/<image>.jpg)");
    }
    List<String> names = new ArrayList<>();
    for (Path dir : classDirs) {
      List<Path> images;
      try (Stream<Path> walk = Files.walk(dir)) {
        images = walk.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
      }
      if (images.isEmpty()) {
        throw new IOException(dir + ": class directory holds no jpg, jpeg, png or bmp file");
      }
      for (Path image : images) {
        files.add(image);
        labels.add(names.size());
      }
      names.add(dir.getFileName().toString());
    }
    this.classes = List.copyOf(names);
  }

  public static ImageFolder open(Path root) throws IOException {
    return new ImageFolder(root);
  }

  static boolean isImage(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  public Path root() {
    return root;
  }

  @Override
  public int size() {
    return files.size();
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  /** {@code class_to_idx}. */
  public Map<String, Integer> classToIndex() {
    Map<String, Integer> map = new LinkedHashMap<>();
    for (int i = 0; i < classes.size(); i++) {
      map.put(classes.get(i), i);
    }
    return Collections.unmodifiableMap(map);
  }

  @Override
  public int label(int index) {
    return labels.get(index);
  }

  public Path file(int index) {
    return files.get(index);
  }

  @Override
  public RgbImage image(int index) throws IOException {
    return ImageDecoder.decode(files.get(index));
  }

  @Override
  public String describe(int index) {
    return files.get(index).toString();
  }
}
