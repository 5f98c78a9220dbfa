package dev.tfjtransfer.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.DataLoader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The training data of a run, sample by sample: for each epoch, the samples in the order
 * {@code train} feeds them with a config, and the draws of each one's random transforms (crop box,
 * flip), so another framework can replay the same images in the same batches.
 *
 * @param dataSeed the seed of order and augmentation ({@link RunConfig#dataSeed})
 * @param epochs per epoch, its samples in batch order
 */
public record TrainDraws(List<String> classes, int batchSize, long dataSeed, List<Epoch> epochs) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /** @param epoch 1-based, as {@code metrics.csv} counts the training epochs */
  public record Epoch(int epoch, List<DataLoader.SampleDraws> samples) {}

  /**
   * The first {@code epochs} training epochs of {@code config}, from the train loader the run
   * itself would open (so the same seed, batch size, sampler and bad-image policy).
   */
  public static TrainDraws of(RunConfig config, int epochs) throws IOException {
    if (epochs <= 0) {
      throw new IllegalArgumentException("epochs must be positive; received: " + epochs);
    }
    // normalization acts after the draws; any value gives the same order and draws
    try (RunData data = RunData.open(config.data(), config.dataSeed(), RunData.normalization(config.data().normalize()))) {
      List<Epoch> out = new ArrayList<>();
      for (int e = 1; e <= epochs; e++) {
        out.add(new Epoch(e, data.train().draws(e)));
      }
      return new TrainDraws(data.classes(), data.train().batchSize(), config.dataSeed(), out);
    }
  }

  /**
   * One JSON document, keys in the config's snake_case: {@code classes}, {@code batch_size},
   * {@code data_seed}, {@code epochs: [{epoch, samples: [{batch, index, label, source, draws: [{step,
   * op, params}]}]}]}, where a crop's params are {@code {top, left, height, width}} and a flip's a
   * boolean (bench/compare_training.py replays them).
   */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the draws as JSON", e);
    }
  }
}
