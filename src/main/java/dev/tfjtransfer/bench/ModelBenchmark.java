package dev.tfjtransfer.bench;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.train.FreezeSpec;
import dev.tfjtransfer.train.OptimizerSpec;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.train.TrainingSetup;
import dev.tfjtransfer.train.CrossEntropyLoss;
import dev.tfjtransfer.train.LrSchedule;
import dev.tfjtransfer.train.TrainingStep;
import dev.tfjtransfer.train.OptimizerState;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Throughput of the project's real model and training code on synthetic input, in the PyTorch
 * peer's modes: {@code eval} (inference), {@code frozen} (a new 2-class head trains, SGD momentum
 * 0.9, backbone frozen) and {@code full} (everything trains; ResNet with backbone 1e-4 and fc
 * 1e-3, VGG with features 1e-4, classifier.0/3 5e-4, classifier.6 1e-3).
 */
public final class ModelBenchmark {
  /** What to measure. */
  public record Config(String model, String mode, int batch, int size, int threads, int warmup, int steps,
      double timeBudgetSeconds, SessionOptions.Precision precision, java.nio.file.Path data) {}

  private ModelBenchmark() {}

  public static BenchResult run(Config c) throws IOException {
    String loadBefore = loadAverage();
    resetPeakRss();
    try (Model model = ModelZoo.create(c.model(), HeadSpec.linear(2), c.size(), c.size(),
        new SessionOptions(c.threads(), 2, c.precision()))) {
      model.initialize(0);
      SplittableRandom random = new SplittableRandom(0);
      float[] images = new float[c.batch() * c.size() * c.size() * 3];
      for (int i = 0; i < images.length; i++) {
        images[i] = (float) random.nextGaussian();
      }
      int[] labels = new int[c.batch()];
      Arrays.setAll(labels, i -> random.nextInt(2));
      Step step = c.mode().equals("eval") ? evalStep(model) : trainStep(model, c);
      double[] times;
      if (c.data() != null) {
        times = timedOnImages(step, c);
      } else {
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(c.batch(), c.size(), c.size(), 3));
            TInt32 y = TInt32.vectorOf(labels)) {
          x.asRawTensor().data().asFloats().write(images);
          for (int i = 0; i < c.warmup(); i++) {
            step.run(x, y);
          }
          times = timed(step, () -> x, () -> y, c);
        }
      }
      double[] sorted = times.clone();
      Arrays.sort(sorted);
      double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
          : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      return new BenchResult(c.model(), c.mode(), c.batch(), c.size(), c.threads(), c.warmup(), times.length, median,
          c.batch() / median, sorted[0], sorted[sorted.length - 1], Arrays.stream(times).average().orElse(0),
          peakRssMb(), c.precision().name().toLowerCase(java.util.Locale.ROOT),
          c.data() == null ? "synthetic" : c.data().toString(), loadBefore);
    }
  }

  private interface Step {
    void run(TFloat32 images, TInt32 labels);
  }

  private static double[] timed(Step step, java.util.function.Supplier<TFloat32> x,
      java.util.function.Supplier<TInt32> y, Config c) {
    double[] times = new double[c.steps()];
    long budgetEnd = System.nanoTime() + (long) (c.timeBudgetSeconds() * 1e9);
    int n = 0;
    while (n < c.steps() && (n < 3 || System.nanoTime() < budgetEnd)) {
      long t0 = System.nanoTime();
      step.run(x.get(), y.get());
      times[n++] = (System.nanoTime() - t0) / 1e9;
    }
    return Arrays.copyOf(times, n);
  }

  /**
   * Steps on real images: the tutorial's pipeline for the mode (augmenting train pipeline, or the
   * val pipeline for eval) on 2 worker threads, so each step's time includes waiting for its batch
   * when decoding does not keep up.
   */
  private static double[] timedOnImages(Step step, Config c) throws IOException {
    java.nio.file.Path root = Files.isDirectory(c.data().resolve("train")) ? c.data().resolve("train") : c.data();
    dev.tfjtransfer.data.Pipeline pipeline = c.mode().equals("eval") ? dev.tfjtransfer.data.Pipeline.imagenetEval()
        : dev.tfjtransfer.data.Pipeline.imagenetTrain();
    try (dev.tfjtransfer.data.DataLoader loader = dev.tfjtransfer.data.DataLoader.builder(
        dev.tfjtransfer.data.ImageFolder.open(root), pipeline).optBatchSize(c.batch()).optShuffle(true)
        .optDropLast(true).optWorkers(2).build()) {
      java.util.Iterator<dev.tfjtransfer.data.Batch> batches = new java.util.Iterator<>() {
        int epoch;
        dev.tfjtransfer.data.DataLoader.Epoch current = loader.epoch(0);

        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public dev.tfjtransfer.data.Batch next() {
          if (!current.hasNext()) {
            current = loader.epoch(++epoch);
          }
          return current.next();
        }
      };
      TFloat32[] x = new TFloat32[1];
      TInt32[] y = new TInt32[1];
      Runnable nextBatch = () -> {
        if (x[0] != null) {
          x[0].close();
          y[0].close();
        }
        dev.tfjtransfer.data.Batch b = batches.next();
        x[0] = b.imagesTensor();
        y[0] = b.labelsTensor();
      };
      for (int i = 0; i < c.warmup(); i++) {
        nextBatch.run();
        step.run(x[0], y[0]);
      }
      double[] times = timed(step, () -> {
        nextBatch.run();
        return x[0];
      }, () -> y[0], c);
      if (x[0] != null) {
        x[0].close();
        y[0].close();
      }
      return times;
    }
  }

  private static Step evalStep(Model model) {
    return (x, y) -> {
      try (Result r = model.session().runner().feed(model.images(), x).fetch(model.logits()).run()) {
        r.get(0);
      }
    };
  }

  private static Step trainStep(Model model, Config c) {
    String head = ModelZoo.headPrefix(c.model(), HeadSpec.linear(2));
    List<ParamGroup> groups;
    if (c.mode().equals("frozen")) {
      FreezeSpec.allButHead().freeze(model, head);
      groups = List.of(ParamGroup.of("head", 1e-3, head));
    } else if (c.model().startsWith("vgg")) {
      groups = List.of(ParamGroup.of("features", 1e-4, "features"),
          ParamGroup.of("classifier", 5e-4, "classifier.0", "classifier.3"), ParamGroup.of("head", 1e-3, head));
    } else {
      groups = List.of(ParamGroup.of("head", 1e-3, head), new ParamGroup("backbone", List.of(), 1e-4, 0));
    }
    TrainingStep step = new TrainingStep(model, groups, OptimizerSpec.Sgd.withMomentum(0.9), new OptimizerState(model),
        CrossEntropyLoss.standard(), BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
    double[] lrs = groups.stream().mapToDouble(ParamGroup::lr).toArray();
    long[] counter = {0};
    return (x, y) -> step.run(x, y, lrs, counter[0]++);
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "";
    }
  }

  /** Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) so each config reports its own. */
  private static void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException e) {
      // not Linux or not permitted: the peak then covers earlier configs of this process too
    }
  }

  static long peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }
}
