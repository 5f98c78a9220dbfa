package dev.tfjtransfer.train;

/**
 * The counters a resumed run needs besides weights and optimizer state: epochs completed overall,
 * the global step (batches trained; seeds dropout and MixUp), the position within the current
 * stage's schedule (optimizer steps), and the best validation accuracy so far.
 */
public record TrainerState(int epochsDone, long globalStep, int stage, int stageEpoch, long stageStep,
    boolean initialValidationDone, double bestValAccuracy, int bestEpoch) {

  public static TrainerState fresh() {
    return new TrainerState(0, 0, -1, 0, 0, false, -1, -1);
  }

  TrainerState startStage() {
    return new TrainerState(epochsDone, globalStep, stage + 1, 0, 0, initialValidationDone, bestValAccuracy, bestEpoch);
  }

  TrainerState afterStep() {
    return new TrainerState(epochsDone, globalStep + 1, stage, stageEpoch, stageStep + 1, initialValidationDone,
        bestValAccuracy, bestEpoch);
  }

  /** A batch that only accumulated gradients: seeds move on, the schedule does not. */
  TrainerState afterMicroBatch() {
    return new TrainerState(epochsDone, globalStep + 1, stage, stageEpoch, stageStep, initialValidationDone,
        bestValAccuracy, bestEpoch);
  }

  TrainerState afterEpoch() {
    return new TrainerState(epochsDone + 1, globalStep, stage, stageEpoch + 1, stageStep, initialValidationDone,
        bestValAccuracy, bestEpoch);
  }

  TrainerState afterInitialValidation() {
    return new TrainerState(epochsDone, globalStep, stage, stageEpoch, stageStep, true, bestValAccuracy, bestEpoch);
  }

  TrainerState withBest(double accuracy, int epoch) {
    return new TrainerState(epochsDone, globalStep, stage, stageEpoch, stageStep, initialValidationDone, accuracy, epoch);
  }
}
