package dev.tfjtransfer.spark;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class dev.tfjtransfer.spark.SparkMain tfj-transfer-spark.jar score|extract-features ...}:
 * batch scoring and feature extraction with an exported SavedModel.
 */
@Command(name = "tfj-transfer-spark", mixinStandardHelpOptions = true, version = "tfj-transfer-spark 0.1.0",
    description = "Score images or extract frozen-backbone features on Apache Spark with an exported SavedModel.",
    subcommands = {SparkMain.Score.class, SparkMain.ExtractFeatures.class})
public final class SparkMain implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new SparkMain());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      if (System.getenv("TFJ_DEBUG") != null) {
        e.printStackTrace(commandLine.getErr());
      }
      return 1;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options both jobs take. */
  static final class Common {
    @Option(names = "--model", required = true, description = "SavedModel version directory, e.g. savedmodels/demo/1")
    String model;

    @Option(names = "--images", required = true, description = "directory of images (any Hadoop path), read recursively")
    String images;

    @Option(names = "--out", required = true, description = "output directory (must not exist)")
    String out;

    @Option(names = "--glob", defaultValue = "*.{jpg,jpeg,png,JPG,JPEG,PNG}",
        description = "file names to read (default: ${DEFAULT-VALUE})")
    String glob;

    @Option(names = "--batch-size", defaultValue = "32", description = "images per TensorFlow call (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--tf-threads", defaultValue = "0",
        description = "TensorFlow intra-op threads per executor; 0 = every core TensorFlow sees (default: ${DEFAULT-VALUE})")
    int tfThreads;

    @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*])")
    String master;

    ImageJobs.Input input() {
      return new ImageJobs.Input(model, images, glob, batchSize, tfThreads);
    }

    SparkSession session(String job) {
      SparkSession.Builder builder = SparkSession.builder().appName("tfj-transfer " + job);
      if (master != null) {
        builder.master(master);
      } else if (System.getProperty("spark.master") == null) {
        builder.master("local[*]");
      }
      return builder.getOrCreate();
    }
  }

  @Command(name = "score", mixinStandardHelpOptions = true,
      description = "Write Parquet with path, class_id, class_name, probabilities, top_k and error per image.")
  static final class Score implements Callable<Integer> {
    @Mixin
    Common common;

    @Option(names = "--top", defaultValue = "5", description = "classes in top_k (default: ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() throws Exception {
      try (SparkSession spark = common.session("score")) {
        long start = System.nanoTime();
        ImageJobs.score(spark, common.input(), top).write().parquet(common.out);
        var written = spark.read().parquet(common.out);
        long rows = written.count();
        long errors = written.where("error IS NOT NULL").count();
        System.out.printf("scored %d images (%d unreadable) in %.1fs -> %s%n", rows, errors,
            (System.nanoTime() - start) / 1e9, common.out);
      }
      return 0;
    }
  }

  @Command(name = "extract-features", mixinStandardHelpOptions = true,
      description = "Write OUT/parquet (path, label, class_name, features, error) and OUT/shards/*.safetensors"
          + " (what `train` reads with data.format: features); --images holds one folder per class.")
  static final class ExtractFeatures implements Callable<Integer> {
    @Mixin
    Common common;

    @Override
    public Integer call() throws Exception {
      try (SparkSession spark = common.session("extract-features")) {
        long start = System.nanoTime();
        long[] counts = ImageJobs.extractFeatures(spark, common.input(), common.out);
        System.out.printf("extracted features of %d images (%d unreadable) in %.1fs -> %s/%s and %s/%s%n", counts[0],
            counts[1], (System.nanoTime() - start) / 1e9, common.out, ImageJobs.PARQUET, common.out, ImageJobs.SHARDS);
      }
      return 0;
    }
  }
}
