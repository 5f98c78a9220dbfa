package dev.tfjtransfer.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.ModelEma;
import dev.tfjtransfer.train.ReduceLROnPlateau;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.train.TrainerState;
import dev.tfjtransfer.train.TrainingDivergedException;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run directory's weight files. {@code best.safetensors} (written by
 * {@link dev.tfjtransfer.train.callbacks.ModelCheckpoint}): the best validation weights, keyed by
 * torchvision names (loadable by PyTorch). {@code last.safetensors}: weights, optimizer state
 * ({@code optimizer/...} keys) and, in its metadata, the trainer's counters and the history, for
 * {@code --resume}. Both are written to a temporary file and renamed, never with a non-finite
 * value, and are refused on resume if they hold one.
 */
final class Checkpoints {
  static final String BEST = "best.safetensors";
  static final String LAST = "last.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final String OPTIMIZER_PREFIX = "optimizer/";

  private Checkpoints() {}

  /** What {@code last.safetensors} holds besides tensors. */
  record Resume(TrainerState state, List<EpochMetrics> history) {}

  /**
   * What {@code last.safetensors} will hold now: weights, optimizer state, counters and history,
   * copied to the host (so training can go on while it is written), never non-finite.
   */
  static StateDict lastSnapshot(Trainer trainer, List<EpochMetrics> history) throws IOException {
    StateDict out = trainer.model().stateDict();
    for (Map.Entry<String, HostTensor> e : trainer.optimizerState().values().tensors().entrySet()) {
      out.put(e.getKey(), e.getValue());
    }
    if (trainer.ema() != null) {
      trainer.ema().values().tensors().forEach(out::put);
      out.metadata().put("ema_updates", String.valueOf(trainer.ema().updates()));
    }
    if (trainer.plateauState() != null) {
      out.metadata().put("plateau_state", JSON.writeValueAsString(trainer.plateauState()));
    }
    out.firstNonFinite().ifPresent(tensor -> {
      throw TrainingDivergedException.nonFiniteWeights(trainer.state().epochsDone(), tensor);
    });
    out.metadata().put("trainer_state", JSON.writeValueAsString(trainer.state()));
    out.metadata().put("history", JSON.writeValueAsString(history));
    return out;
  }

  static void writeLast(Path runDir, StateDict snapshot) throws IOException {
    Safetensors.write(snapshot, runDir.resolve(LAST));
  }

  static Resume readResume(Path runDir) throws IOException {
    StateDict last = readFinite(runDir.resolve(LAST));
    return new Resume(JSON.readValue(last.metadata().get("trainer_state"), TrainerState.class),
        JSON.readValue(last.metadata().get("history"), new TypeReference<List<EpochMetrics>>() {}));
  }

  /**
   * Reads a checkpoint, refusing one with a NaN or infinite value: such a file can only come from
   * a diverged run (or an older version that wrote one), and training on from it is pointless.
   */
  static StateDict readFinite(Path file) throws IOException {
    StateDict weights = Safetensors.read(file);
    Optional<String> bad = weights.firstNonFinite();
    if (bad.isPresent()) {
      throw new IOException(file + ": tensor " + bad.get() + " holds NaN or infinite values; not a usable checkpoint");
    }
    return weights;
  }

  /** Restores weights and optimizer state from {@code last.safetensors}, and the best weights. */
  static void restore(Path runDir, Trainer trainer, TrainerState state) throws IOException {
    StateDict last = readFinite(runDir.resolve(LAST));
    StateDict weights = new StateDict();
    StateDict optimizer = new StateDict();
    StateDict ema = new StateDict();
    last.tensors().forEach((k, v) -> (k.startsWith(OPTIMIZER_PREFIX) ? optimizer : ModelEma.isEmaKey(k) ? ema
        : weights).put(k, v));
    trainer.model().loadStateDict(weights, LoadMode.STRICT);
    trainer.optimizerState().restore(optimizer);
    // a stage with EMA or ReduceLROnPlateau continues their state; a checkpoint of a run without them has none
    if (trainer.ema() != null && last.metadata().containsKey("ema_updates")) {
      trainer.restoreEma(ema, Long.parseLong(last.metadata().get("ema_updates")));
    }
    if (trainer.plateauState() != null && last.metadata().containsKey("plateau_state")) {
      trainer.restorePlateau(JSON.readValue(last.metadata().get("plateau_state"), ReduceLROnPlateau.State.class));
    }
    StateDict best = readFinite(runDir.resolve(BEST));
    best.metadata().clear();
    trainer.restoreBest(best, state.bestValAccuracy(), state.bestEpoch());
    trainer.restoreState(state);
  }
}
