package dev.tfjtransfer.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Pipeline;
import java.util.Arrays;

/**
 * Input-pipeline throughput as the PyTorch peer's data_bench.py measures it: full passes over an
 * ImageFolder at the tutorial's batch size, shuffled, with the train or val transforms.
 */
public final class DataBenchmark {
  private DataBenchmark() {}

  /** One (pipeline, workers) measurement, with the peer's field names. */
  public record Result(
      @JsonProperty("pipeline") String pipeline,
      @JsonProperty("num_workers") int workers,
      @JsonProperty("batch") int batch,
      @JsonProperty("images_per_epoch") int imagesPerEpoch,
      @JsonProperty("epochs") int epochs,
      @JsonProperty("median_s_per_epoch") double medianSecondsPerEpoch,
      @JsonProperty("images_per_s") double imagesPerSecond,
      @JsonProperty("min_s_per_epoch") double minSecondsPerEpoch,
      @JsonProperty("max_s_per_epoch") double maxSecondsPerEpoch,
      @JsonProperty("loadavg_1m_before") String loadavg1mBefore) {}

  public static Result run(Dataset dataset, String pipelineName, int workers, int batch, int epochs) {
    Pipeline pipeline = pipelineName.equals("train") ? Pipeline.imagenetTrain() : Pipeline.imagenetEval();
    String load = ModelBenchmark.loadAverage();
    double[] seconds = new double[epochs];
    try (DataLoader loader = DataLoader.builder(dataset, pipeline).optBatchSize(batch).optShuffle(true)
        .optWorkers(workers).optSeed(0).build()) {
      drain(loader, -1); // warm-up pass: JIT, decoder and file-cache warm
      for (int e = 0; e < epochs; e++) {
        long t0 = System.nanoTime();
        drain(loader, e);
        seconds[e] = (System.nanoTime() - t0) / 1e9;
      }
    }
    double[] sorted = seconds.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    return new Result(pipelineName, workers, batch, dataset.size(), epochs, median, dataset.size() / median,
        sorted[0], sorted[sorted.length - 1], load);
  }

  private static void drain(DataLoader loader, int epoch) {
    try (DataLoader.Epoch it = loader.epoch(epoch)) {
      while (it.hasNext()) {
        Batch batch = it.next();
        if (batch.size() == 0) {
          throw new IllegalStateException("a batch had no decodable image");
        }
      }
    }
  }
}
