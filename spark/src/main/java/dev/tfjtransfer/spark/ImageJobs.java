package dev.tfjtransfer.spark;

import dev.tfjtransfer.data.FeatureShards;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Batch scoring and feature extraction of image files with an exported SavedModel on Spark.
 * Images are read with Spark's {@code binaryFile} source; each partition runs through the model in
 * batches ({@link Batches}) on a model loaded once per executor JVM ({@link ServingModel}); an image
 * that does not decode becomes a row with an {@code error} instead of failing the job.
 */
public final class ImageJobs {
  /** What both jobs read. */
  public record Input(String modelDir, String images, String glob, int batchSize, int tfThreads) {
    public Input {
      if (batchSize <= 0) {
        throw new IllegalArgumentException("--batch-size must be positive; received: " + batchSize);
      }
    }
  }

  public static final StructType SCORES = new StructType(new StructField[] {
      DataTypes.createStructField("path", DataTypes.StringType, false),
      DataTypes.createStructField("class_id", DataTypes.IntegerType, true),
      DataTypes.createStructField("class_name", DataTypes.StringType, true),
      DataTypes.createStructField("probabilities", new ArrayType(DataTypes.FloatType, false), true),
      DataTypes.createStructField("top_k", new ArrayType(new StructType(new StructField[] {
          DataTypes.createStructField("class_id", DataTypes.IntegerType, false),
          DataTypes.createStructField("class_name", DataTypes.StringType, false),
          DataTypes.createStructField("probability", DataTypes.FloatType, false)}), false), true),
      DataTypes.createStructField("error", DataTypes.StringType, true)});

  public static final StructType FEATURES = new StructType(new StructField[] {
      DataTypes.createStructField("path", DataTypes.StringType, false),
      DataTypes.createStructField("label", DataTypes.IntegerType, true),
      DataTypes.createStructField("class_name", DataTypes.StringType, true),
      DataTypes.createStructField("features", new ArrayType(DataTypes.FloatType, false), true),
      DataTypes.createStructField("error", DataTypes.StringType, true)});

  /** Where {@link #extractFeatures} writes the Parquet dataset and the shards the trainer reads. */
  public static final String PARQUET = "parquet";
  public static final String SHARDS = "shards";

  /** Feature rows per shard are capped so a shard stays about this size whatever the feature width. */
  private static final long SHARD_BYTES = 64L << 20;

  private ImageJobs() {}

  /** The scores of every image under {@code input.images()}, as a lazy DataFrame with {@link #SCORES}' columns. */
  public static Dataset<Row> score(SparkSession spark, Input input, int topK) {
    if (topK <= 0) {
      throw new IllegalArgumentException("--top must be positive; received: " + topK);
    }
    String model = ship(spark, input.modelDir());
    int threads = input.tfThreads();
    int batchSize = input.batchSize();
    MapPartitionsFunction<Row, Row> scorePartition = rows -> Batches.map(rows, batchSize, batch -> {
      ServingModel serving = ServingModel.get(Path.of(SparkFiles.get(model)), threads);
      List<PerImage.Outcome<float[]>> outcomes = PerImage.run(contents(batch), serving::probabilities);
      List<Row> out = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        out.add(scoreRow(batch.get(i).getString(0), outcomes.get(i), serving.classNames(), topK));
      }
      return out;
    });
    return read(spark, input).mapPartitions(scorePartition, Encoders.row(SCORES));
  }

  /**
   * Writes the features of every image under {@code input.images()} (one class folder per class,
   * as ImageFolder reads them) to {@code out/parquet} ({@link #FEATURES}' columns), then the
   * decodable rows again as {@code out/shards/*.safetensors}, which the trainer's
   * {@code data.format: features} reads without Hadoop.
   *
   * @return rows written and rows with an error
   */
  public static long[] extractFeatures(SparkSession spark, Input input, String out) throws IOException {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    org.apache.hadoop.fs.Path outDir = new org.apache.hadoop.fs.Path(out);
    FileSystem outFs = outDir.getFileSystem(hadoop);
    if (outFs.exists(outDir)) {
      throw new IOException(out + " exists; features are never written over an earlier extraction");
    }
    List<String> classes = classFolders(hadoop, input.images());
    String root = qualified(hadoop, input.images()) + "/";
    String model = ship(spark, input.modelDir());
    int threads = input.tfThreads();
    int batchSize = input.batchSize();
    MapPartitionsFunction<Row, Row> featurePartition = rows -> Batches.map(rows, batchSize, batch -> {
      ServingModel serving = ServingModel.get(Path.of(SparkFiles.get(model)), threads);
      List<PerImage.Outcome<float[]>> outcomes = PerImage.run(contents(batch), serving::features);
      List<Row> result = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        result.add(featureRow(batch.get(i).getString(0), root, classes, outcomes.get(i)));
      }
      return result;
    });
    String parquet = out + "/" + PARQUET;
    read(spark, input).mapPartitions(featurePartition, Encoders.row(FEATURES)).write().parquet(parquet);

    Dataset<Row> written = spark.read().parquet(parquet);
    SerializableConfiguration conf = new SerializableConfiguration(hadoop);
    String shards = out + "/" + SHARDS;
    outFs.mkdirs(new org.apache.hadoop.fs.Path(shards));
    written.where("error IS NULL").select("path", "label", "features")
        .foreachPartition((ForeachPartitionFunction<Row>) rows -> writeShards(rows, classes, shards, conf.value()));
    long errors = written.where("error IS NOT NULL").count();
    return new long[] {written.count(), errors};
  }

  private static Dataset<Row> read(SparkSession spark, Input input) {
    return spark.read().format("binaryFile").option("pathGlobFilter", input.glob())
        .option("recursiveFileLookup", "true").load(input.images()).select("path", "content");
  }

  /** Sends the model directory to every executor (SparkFiles), so it may live on the driver's disk or in HDFS. */
  private static String ship(SparkSession spark, String modelDir) {
    spark.sparkContext().addFile(modelDir, true);
    return new org.apache.hadoop.fs.Path(modelDir).getName();
  }

  private static List<byte[]> contents(List<Row> batch) {
    return batch.stream().map(r -> (byte[]) r.get(1)).toList();
  }

  private static Row scoreRow(String path, PerImage.Outcome<float[]> outcome, List<String> classNames, int topK) {
    float[] p = outcome.value();
    if (p == null) {
      return RowFactory.create(path, null, null, null, null, outcome.error());
    }
    Integer[] order = new Integer[p.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
    List<Row> top = new ArrayList<>();
    for (int k = 0; k < Math.min(topK, p.length); k++) {
      top.add(RowFactory.create(order[k], classNames.get(order[k]), p[order[k]]));
    }
    return RowFactory.create(path, order[0], classNames.get(order[0]), boxed(p),
        CollectionConverters.asScala(top).toSeq(), null);
  }

  private static Row featureRow(String path, String root, List<String> classes, PerImage.Outcome<float[]> outcome) {
    int slash = path.startsWith(root) ? path.indexOf('/', root.length()) : -1;
    int label = slash < 0 ? -1 : classes.indexOf(path.substring(root.length(), slash));
    if (label < 0) {
      return RowFactory.create(path, null, null, null, "not inside a class folder of " + root);
    }
    if (outcome.value() == null) {
      return RowFactory.create(path, label, classes.get(label), null, outcome.error());
    }
    return RowFactory.create(path, label, classes.get(label), boxed(outcome.value()), null);
  }

  /** Spark's array columns take object arrays (or Seqs) of the element type. */
  private static scala.collection.immutable.Seq<Float> boxed(float[] values) {
    List<Float> list = new ArrayList<>(values.length);
    for (float v : values) {
      list.add(v);
    }
    return CollectionConverters.asScala(list).toSeq();
  }

  /** ImageFolder's classes: the root's subdirectories, sorted by name. */
  private static List<String> classFolders(Configuration hadoop, String images) throws IOException {
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(images);
    FileSystem fs = root.getFileSystem(hadoop);
    if (!fs.isDirectory(root)) {
      throw new IOException(images + ": not a directory (expected one subdirectory per class)");
    }
    List<String> classes = Arrays.stream(fs.listStatus(root)).filter(FileStatus::isDirectory)
        .map(s -> s.getPath().getName()).sorted().toList();
    if (classes.isEmpty()) {
      throw new IOException(images + ": holds no class subdirectory (expected " + images + "/<class>/<image>)");
    }
    return classes;
  }

  private static String qualified(Configuration hadoop, String dir) throws IOException {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
    return path.getFileSystem(hadoop).makeQualified(path).toString();
  }

  /** One partition's rows as shards of at most {@link #SHARD_BYTES}, written locally, copied and renamed. */
  private static void writeShards(java.util.Iterator<Row> rows, List<String> classes, String dir, Configuration conf)
      throws IOException {
    int partition = org.apache.spark.TaskContext.getPartitionId();
    FileSystem fs = new org.apache.hadoop.fs.Path(dir).getFileSystem(conf);
    List<String> paths = new ArrayList<>();
    List<float[]> features = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    int chunk = 0;
    while (rows.hasNext()) {
      Row row = rows.next();
      List<Float> values = row.getList(2);
      float[] f = new float[values.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = values.get(i);
      }
      paths.add(row.getString(0));
      labels.add(row.getInt(1));
      features.add(f);
      if (!rows.hasNext() || (long) features.size() * f.length * 4 >= SHARD_BYTES) {
        String name = String.format("part-%05d-%03d%s", partition, chunk++, FeatureShards.EXTENSION);
        Path local = Files.createTempFile("features-", FeatureShards.EXTENSION);
        try {
          FeatureShards.write(local, classes, paths, features.toArray(float[][]::new),
              labels.stream().mapToInt(Integer::intValue).toArray());
          org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(dir, name);
          org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(dir, "." + name + ".tmp");
          fs.copyFromLocalFile(true, true, new org.apache.hadoop.fs.Path(local.toUri()), tmp);
          fs.delete(target, false); // a retried task writes the same rows again
          if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          Files.deleteIfExists(local);
        }
        paths.clear();
        features.clear();
        labels.clear();
      }
    }
  }
}
