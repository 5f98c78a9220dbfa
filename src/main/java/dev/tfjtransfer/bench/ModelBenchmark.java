package dev.tfjtransfer.bench;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.KernelCensus;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.train.CrossEntropyLoss;
import dev.tfjtransfer.train.FreezeSpec;
import dev.tfjtransfer.train.OptimizerSpec;
import dev.tfjtransfer.train.OptimizerState;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.TrainingStep;
import dev.tfjtransfer.util.JavaHeap;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Throughput in the PyTorch peer's modes: {@code eval} (inference), {@code frozen} (a new 2-class
 * head trains, SGD momentum 0.9, backbone frozen) and {@code full} (everything trains; ResNet with
 * backbone 1e-4 and fc 1e-3, VGG with features 1e-4, classifier.0/3 5e-4, classifier.6 1e-3), of
 * either the project's real model and training code or the {@link HandBuiltNetwork} baseline.
 */
public final class ModelBenchmark {
  /**
   * What to measure; {@code data} null means synthetic input; {@code traceKernels} adds one traced
   * step after the timed ones and reports the kernels it executed.
   */
  public record Config(String model, String mode, int batch, int size, int threads, int interOpThreads, int warmup,
      int steps, double timeBudgetSeconds, SessionOptions.Precision precision, Path data,
      Implementation implementation, boolean traceKernels) {}

  /** Whose graph is timed: the project's model and training code, or the hand-built baseline. */
  public enum Implementation {
    PROJECT,
    HANDBUILT
  }

  /** One timed step, the same step traced (null if the implementation cannot), and what closing it frees. */
  private record Step(BiConsumer<TFloat32, TInt32> action, BiFunction<TFloat32, TInt32, KernelCensus> trace,
      AutoCloseable resource) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      resource.close();
    }
  }

  private ModelBenchmark() {}

  public static BenchResult run(Config c) throws Exception {
    String loadBefore = loadAverage();
    resetPeakRss();
    SessionOptions options = new SessionOptions(c.threads(), c.interOpThreads(), c.precision());
    if (c.traceKernels() && c.implementation() == Implementation.HANDBUILT) {
      throw new IllegalArgumentException("--kernels traces the project's graphs only (--impl project)");
    }
    try (Step step = c.implementation() == Implementation.HANDBUILT ? handBuiltStep(c, options)
        : projectStep(c, options);
        BenchBatches batches = c.data() == null ? BenchBatches.synthetic(c.batch(), c.size())
            : BenchBatches.imageFolder(c.data(), c.mode().equals("eval"), c.batch(), c.size())) {
      for (int i = 0; i < c.warmup(); i++) {
        batches.advance();
        step.action().accept(batches.images(), batches.labels());
      }
      double[] times = timed(step, batches, c);
      KernelCensus kernels = null;
      if (c.traceKernels()) {
        batches.advance();
        kernels = step.trace().apply(batches.images(), batches.labels());
      }
      double[] sorted = times.clone();
      Arrays.sort(sorted);
      double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
          : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      return new BenchResult(c.model(), c.mode(), c.batch(), c.size(), c.threads(), c.warmup(), times.length, median,
          c.batch() / median, sorted[0], sorted[sorted.length - 1], Arrays.stream(times).average().orElse(0),
          peakRssMb(), c.precision().name().toLowerCase(Locale.ROOT),
          c.data() == null ? "synthetic" : c.data().toString(), c.implementation().name().toLowerCase(Locale.ROOT),
          loadBefore, c.interOpThreads(), kernels == null ? null : kernels.counts(),
          kernels == null ? null : kernels.micros());
    }
  }

  /** Up to {@code steps} timed steps, stopping early (after at least 3) when the time budget is spent. */
  private static double[] timed(Step step, BenchBatches batches, Config c) {
    double[] times = new double[c.steps()];
    long budgetEnd = System.nanoTime() + (long) (c.timeBudgetSeconds() * 1e9);
    int n = 0;
    while (n < c.steps() && (n < 3 || System.nanoTime() < budgetEnd)) {
      long t0 = System.nanoTime();
      batches.advance();
      step.action().accept(batches.images(), batches.labels());
      times[n++] = (System.nanoTime() - t0) / 1e9;
    }
    return Arrays.copyOf(times, n);
  }

  private static Step handBuiltStep(Config c, SessionOptions options) {
    HandBuiltNetwork network = new HandBuiltNetwork(c.model(), c.mode(), c.size(), options);
    return new Step(network::run, null, network);
  }

  private static Step projectStep(Config c, SessionOptions options) {
    Model model = ModelZoo.create(c.model(), HeadSpec.linear(2), c.size(), c.size(), options);
    model.initialize(0);
    JavaHeap.releaseAfterWeightLoading();
    if (c.mode().equals("eval")) {
      return new Step((x, y) -> {
        try (Result r = model.session().runner().feed(model.images(), x).fetch(model.logits()).run()) {
          r.get(0);
        }
      }, (x, y) -> KernelCensus.trace(model.session().runner().feed(model.images(), x).fetch(model.logits())),
          model);
    }
    TrainingStep step = trainStep(model, c);
    double[] lrs = step.groups().stream().mapToDouble(ParamGroup::lr).toArray();
    long[] counter = {0};
    return new Step((x, y) -> step.run(x, y, lrs, counter[0]++), (x, y) -> step.traceKernels(x, y, lrs, counter[0]++),
        model);
  }

  private static TrainingStep trainStep(Model model, Config c) {
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
    return new TrainingStep(model, groups, OptimizerSpec.Sgd.withMomentum(0.9), new OptimizerState(model),
        CrossEntropyLoss.standard(), BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
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
