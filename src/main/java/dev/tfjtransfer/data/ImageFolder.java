package dev.tfjtransfer.data;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * torchvision's {@code ImageFolder}: one subdirectory per class, classes sorted by name and
 * numbered in that order ({@code class_to_idx}), samples sorted by path within each class. Files
 * with extensions jpg, jpeg, png and bmp (any case) are samples; other files are ignored. Symbolic
 * links are followed, as torchvision's {@code os.walk(followlinks=True)} does (class directories
 * linked in from elsewhere are the usual way to build splits); a link back to an enclosing
 * directory is an error naming it.
 */
public final class ImageFolder implements Dataset {
  private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp");

  private final Path root;
  private final long maxPixels;
  private final List<String> classes;
  private final List<Path> files = new ArrayList<>();
  private final List<Integer> labels = new ArrayList<>();

  private ImageFolder(Path root, long maxPixels) throws IOException {
    this.root = root;
    this.maxPixels = maxPixels;
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
      List<Path> images = imagesUnder(dir);
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

  /** The dataset under {@code root}, refusing images over {@link ImageDecoder#DEFAULT_MAX_PIXELS}. */
  public static ImageFolder open(Path root) throws IOException {
    return new ImageFolder(root, ImageDecoder.DEFAULT_MAX_PIXELS);
  }

  /** @param maxPixels images declaring more pixels are unreadable (decompression bombs) */
  public static ImageFolder open(Path root, long maxPixels) throws IOException {
    return new ImageFolder(root, maxPixels);
  }

  private static List<Path> imagesUnder(Path dir) throws IOException {
    List<Path> images = new ArrayList<>();
    Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile() && isImage(file)) {
          images.add(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof FileSystemLoopException) {
          throw new IOException(file + ": symbolic link loop (it leads back to " + file.toRealPath()
              + ", a directory that encloses it)");
        }
        String reason = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
            : e.getClass().getSimpleName() + " " + e.getMessage();
        throw new IOException(file + ": cannot read (" + reason + ")", e);
      }
    });
    Collections.sort(images);
    return images;
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
    return ImageDecoder.decode(files.get(index), maxPixels);
  }

  @Override
  public String describe(int index) {
    return files.get(index).toString();
  }
}
