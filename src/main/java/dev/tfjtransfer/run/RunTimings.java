package dev.tfjtransfer.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.History;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.util.AtomicFiles;
import dev.tfjtransfer.util.ProcessClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where a run's wall time goes, written to {@code timings.json} in the run directory: the JVM's
 * start before {@code main}, the start-up until the run began (TensorFlow's native library, the
 * CLI), reading weights and data, building the graph, creating the session, loading weights,
 * building the training step, the first training step (which pays for Grappler's rewrites and
 * oneDNN's primitive creation) against the median step, every epoch's phases, the time each
 * callback took (checkpoints, plots) and the final evaluation. All in seconds.
 */
final class RunTimings implements Callback {
  static final String FILE = "timings.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Instant runStart = Instant.now();
  private final Map<String, Double> phases = new LinkedHashMap<>();
  private final Map<String, Double> callbackSeconds = new LinkedHashMap<>();
  private final Map<EpochMetrics.Phase, List<Double>> batchSeconds = new LinkedHashMap<>();
  private final Map<EpochMetrics.Phase, List<Double>> firstBatchSeconds = new LinkedHashMap<>();
  private final List<Double> trainEpochs = new ArrayList<>();
  private final List<Double> valEpochs = new ArrayList<>();
  private long lastBatchEnd;
  private boolean firstOfPhase;

  /** Runs {@code work}, adding its wall time to {@code phase}. */
  <T> T time(String phase, Supplier<T> work) {
    long start = System.nanoTime();
    try {
      return work.get();
    } finally {
      phases.merge(phase, (System.nanoTime() - start) / 1e9, Double::sum);
    }
  }

  /** Adds {@code seconds} measured elsewhere to {@code phase}. */
  void add(String phase, double seconds) {
    phases.merge(phase, seconds, Double::sum);
  }

  /** {@link #time(String, Supplier)} for work that may throw IOException. */
  <T> T timeIo(String phase, IoWork<T> work) throws IOException {
    long start = System.nanoTime();
    try {
      return work.get();
    } finally {
      phases.merge(phase, (System.nanoTime() - start) / 1e9, Double::sum);
    }
  }

  /** Work that reads or writes files. */
  @FunctionalInterface
  interface IoWork<T> {
    T get() throws IOException;
  }

  /** {@code callback}, with the time spent in it added up under its class name. */
  Callback timed(Callback callback) {
    String name = callback.getClass().getSimpleName();
    return new Callback() {
      private <T> T add(Supplier<T> work) {
        long start = System.nanoTime();
        try {
          return work.get();
        } finally {
          callbackSeconds.merge(name, (System.nanoTime() - start) / 1e9, Double::sum);
        }
      }

      @Override
      public void onFitBegin(Trainer trainer, int epochs) {
        add(() -> {
          callback.onFitBegin(trainer, epochs);
          return null;
        });
      }

      @Override
      public void onBatchEnd(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batch, int batches,
          double runningLoss, double imagesPerSecond) {
        add(() -> {
          callback.onBatchEnd(trainer, phase, epoch, batch, batches, runningLoss, imagesPerSecond);
          return null;
        });
      }

      @Override
      public void onPhaseBegin(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batches) {
        add(() -> {
          callback.onPhaseBegin(trainer, phase, epoch, batches);
          return null;
        });
      }

      @Override
      public void onPhaseEnd(Trainer trainer, EpochMetrics metrics) {
        add(() -> {
          callback.onPhaseEnd(trainer, metrics);
          return null;
        });
      }

      @Override
      public boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
        return add(() -> callback.onEpochEnd(trainer, train, val));
      }

      @Override
      public void onFitEnd(Trainer trainer, History history) {
        add(() -> {
          callback.onFitEnd(trainer, history);
          return null;
        });
      }
    };
  }

  @Override
  public void onPhaseBegin(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batches) {
    lastBatchEnd = System.nanoTime();
    firstOfPhase = true;
  }

  /** A batch's time is the wall time since the previous batch ended: waiting for data included. */
  @Override
  public void onBatchEnd(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batch, int batches,
      double runningLoss, double imagesPerSecond) {
    long now = System.nanoTime();
    double seconds = (now - lastBatchEnd) / 1e9;
    lastBatchEnd = now;
    (firstOfPhase ? firstBatchSeconds : batchSeconds).computeIfAbsent(phase, p -> new ArrayList<>()).add(seconds);
    firstOfPhase = false;
  }

  @Override
  public void onPhaseEnd(Trainer trainer, EpochMetrics metrics) {
    (metrics.phase() == EpochMetrics.Phase.TRAIN ? trainEpochs : valEpochs).add(metrics.seconds());
  }

  /** Writes {@value #FILE} (through a temporary file) with everything measured so far. */
  void write(Path runDir) throws IOException {
    Instant end = Instant.now();
    Map<String, Object> out = new LinkedHashMap<>();
    Instant start = ProcessClock.processStart().orElse(null);
    Instant main = ProcessClock.mainEntered().orElse(null);
    if (start != null && main != null) {
      out.put("jvm_start_to_main", round(ProcessClock.seconds(start, main)));
    }
    if (main != null) {
      out.put("main_to_run_start", round(ProcessClock.seconds(main, runStart)));
    } else if (start != null) {
      out.put("process_start_to_run_start", round(ProcessClock.seconds(start, runStart)));
    }
    phases.forEach((k, v) -> out.put(k, round(v)));
    for (EpochMetrics.Phase phase : EpochMetrics.Phase.values()) {
      String name = phase.name().toLowerCase(java.util.Locale.ROOT);
      List<Double> firsts = firstBatchSeconds.getOrDefault(phase, List.of());
      if (!firsts.isEmpty()) {
        // the first batch ever of the phase builds its executor (Grappler, oneDNN primitives)
        out.put("first_" + name + "_batch", round(firsts.get(0)));
        out.put("first_" + name + "_batch_of_later_epochs", firsts.subList(1, firsts.size()).stream()
            .map(RunTimings::round).toList());
      }
      List<Double> rest = batchSeconds.getOrDefault(phase, List.of());
      if (!rest.isEmpty()) {
        out.put("median_" + name + "_batch", round(median(rest)));
      }
    }
    out.put("train_epochs", trainEpochs.stream().map(RunTimings::round).toList());
    out.put("val_epochs", valEpochs.stream().map(RunTimings::round).toList());
    Map<String, Double> callbacks = new LinkedHashMap<>();
    callbackSeconds.forEach((k, v) -> callbacks.put(k, round(v)));
    out.put("callbacks", callbacks);
    out.put("run", round(ProcessClock.seconds(runStart, end)));
    if (start != null) {
      out.put("process_start_to_end", round(ProcessClock.seconds(start, end)));
    }
    AtomicFiles.writeString(runDir.resolve(FILE), JSON.writeValueAsString(out) + "\n");
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double round(double seconds) {
    return Math.round(seconds * 1e4) / 1e4;
  }
}
