package dev.tfjtransfer.data;

import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Frozen-backbone features with their labels, as a dataset to train a head on: a directory of
 * safetensors shards ({@code *.safetensors}), each with {@code features} float32 [n, width],
 * {@code labels} int64 [n], and the class names and image paths (one per line) in its metadata.
 * The Spark {@code extract-features} job writes one shard per partition beside its Parquet output,
 * because reading Parquet needs Hadoop's libraries, which the core leaves out. Samples are ordered
 * as {@link ImageFolder} orders the images they came from (by class, then path), so a seeded
 * shuffle draws the same batches as on the images.
 */
public final class FeatureShards implements Dataset {
  public static final String FEATURES = "features";
  public static final String LABELS = "labels";
  public static final String CLASSES = "classes";
  public static final String PATHS = "paths";
  public static final String EXTENSION = ".safetensors";

  private final List<String> classes;
  private final List<String> paths;
  private final float[][] features;
  private final int[] labels;

  private FeatureShards(List<String> classes, List<String> paths, float[][] features, int[] labels) {
    this.classes = List.copyOf(classes);
    this.paths = List.copyOf(paths);
    this.features = features;
    this.labels = labels;
  }

  /** Reads every shard of {@code dir}; the shards must agree on the classes and the feature width. */
  public static FeatureShards read(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(EXTENSION)).sorted().toList();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException(dir + ": no such directory (expected feature shards *" + EXTENSION + ")");
    }
    if (files.isEmpty()) {
      throw new IOException(dir + ": holds no feature shard *" + EXTENSION);
    }
    record Sample(String path, int label, float[] features) {}
    List<Sample> samples = new ArrayList<>();
    List<String> classes = null;
    for (Path file : files) {
      StateDict shard = Safetensors.read(file);
      HostTensor x = shard.get(FEATURES);
      HostTensor y = shard.get(LABELS);
      String names = shard.metadata().get(CLASSES);
      String paths = shard.metadata().get(PATHS);
      if (x == null || y == null || names == null || paths == null || x.rank() != 2 || y.rank() != 1
          || x.shape()[0] != y.shape()[0]) {
        throw new IOException(file + ": not a feature shard (expected tensors features [n, width] and labels [n],"
            + " metadata classes and paths)");
      }
      List<String> shardClasses = List.of(names.split("\n"));
      if (classes == null) {
        classes = shardClasses;
      } else if (!classes.equals(shardClasses)) {
        throw new IOException(file + ": classes " + shardClasses + " differ from the other shards' " + classes);
      }
      int n = (int) x.shape()[0];
      int width = (int) x.shape()[1];
      if (n == 0) {
        continue;
      }
      String[] shardPaths = paths.split("\n");
      if (shardPaths.length != n) {
        throw new IOException(file + ": " + shardPaths.length + " paths for " + n + " feature rows");
      }
      if (!samples.isEmpty() && samples.get(0).features().length != width) {
        throw new IOException(file + ": features are " + width + " wide, the other shards' "
            + samples.get(0).features().length);
      }
      float[] all = x.floats();
      long[] labels = y.longs();
      for (int i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= shardClasses.size()) {
          throw new IOException(file + ": label " + labels[i] + " of " + shardPaths[i] + " is not a class index");
        }
        samples.add(new Sample(shardPaths[i], (int) labels[i], Arrays.copyOfRange(all, i * width, (i + 1) * width)));
      }
    }
    if (samples.isEmpty()) {
      throw new IOException(dir + ": the feature shards hold no sample");
    }
    samples.sort(Comparator.comparingInt(Sample::label).thenComparing(Sample::path));
    return new FeatureShards(classes, samples.stream().map(Sample::path).toList(),
        samples.stream().map(Sample::features).toArray(float[][]::new),
        samples.stream().mapToInt(Sample::label).toArray());
  }

  /** Writes one shard (through a temporary file and a rename). */
  public static void write(Path file, List<String> classes, List<String> paths, float[][] features, int[] labels)
      throws IOException {
    int width = features.length == 0 ? 0 : features[0].length;
    float[] all = new float[features.length * width];
    long[] longLabels = new long[labels.length];
    for (int i = 0; i < features.length; i++) {
      System.arraycopy(features[i], 0, all, i * width, width);
      longLabels[i] = labels[i];
    }
    StateDict shard = new StateDict();
    shard.put(FEATURES, HostTensor.ofFloats(new long[] {features.length, width}, all));
    shard.put(LABELS, HostTensor.ofLongs(new long[] {labels.length}, longLabels));
    shard.metadata().put(CLASSES, String.join("\n", classes));
    shard.metadata().put(PATHS, String.join("\n", paths));
    Safetensors.write(shard, file);
  }

  /** Row {@code index} is sample {@code index}'s features. */
  public float[][] features() {
    return features;
  }

  public int width() {
    return features[0].length;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  /** Feature shards hold no pixels. */
  @Override
  public RgbImage image(int index) throws IOException {
    throw new IOException(paths.get(index) + ": a feature dataset holds features, not images");
  }

  @Override
  public String describe(int index) {
    return paths.get(index);
  }
}
