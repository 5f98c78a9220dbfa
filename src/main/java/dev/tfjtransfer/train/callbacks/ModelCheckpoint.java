package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.train.TrainingDivergedException;
import dev.tfjtransfer.util.BackgroundWriter;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Keras' {@code ModelCheckpoint(save_best_only=True)}: whenever validation accuracy improves, the
 * best weights go to a safetensors file (torchvision names, loadable by PyTorch), written to a
 * temporary file and renamed so a crash never leaves a partial file. Non-finite weights are never
 * written: they stop training with a {@link TrainingDivergedException}. With a
 * {@link BackgroundWriter} the write overlaps what follows; the file is complete once the writer's
 * {@code await} or {@code close} returns.
 */
public final class ModelCheckpoint implements Callback {
  private final Path file;
  private final Map<String, String> metadata;
  private final BackgroundWriter writer;

  /** @param metadata stored with the weights (architecture, class names, ...) */
  public ModelCheckpoint(Path file, Map<String, String> metadata) {
    this(file, metadata, null);
  }

  /** @param writer writes in the background; null writes before {@code onEpochEnd} returns */
  public ModelCheckpoint(Path file, Map<String, String> metadata, BackgroundWriter writer) {
    this.file = file;
    this.metadata = Map.copyOf(metadata);
    this.writer = writer;
  }

  @Override
  public boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
    if (trainer.state().bestEpoch() != val.epoch()) {
      return false;
    }
    trainer.bestWeights().firstNonFinite().ifPresent(tensor -> {
      throw TrainingDivergedException.nonFiniteWeights(val.epoch(), tensor);
    });
    StateDict out = new StateDict();
    trainer.bestWeights().tensors().forEach(out::put);
    out.metadata().putAll(metadata);
    out.metadata().put("epoch", String.valueOf(val.epoch()));
    out.metadata().put("val_accuracy", String.valueOf(val.accuracy()));
    if (val.hasTta()) {
      out.metadata().put("val_tta_accuracy", String.valueOf(val.ttaAccuracy()));
    }
    if (writer != null) {
      writer.write(() -> write(out));
    } else {
      try {
        write(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return false;
  }

  /** Safetensors.write's errors already name the file and the reason ("...: cannot write: No space left"). */
  private void write(StateDict out) throws IOException {
    Safetensors.write(out, file);
  }
}
