package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * A whole run against the PyTorch tutorial's train_model loop (tests/parity/make_long_training_refs.py):
 * resnet18 at 64x64 from identical weights, {@link Trainer#fit} for 4 epochs of 30 batches (120
 * steps) on identical pre-augmented images, train-mode BatchNorm, two parameter groups and
 * StepLR(2, 0.1) across the epochs. What three-step tests cannot see shows here: running
 * statistics after 120 updates, the order of updates within a step, the epoch at which the
 * schedule changes the rate. After the run, every weight and running statistic must be within
 * {@value #PARAM_TOLERANCE} of torch's (relative to the tensor's largest value), every weight's
 * total update within {@value #UPDATE_TOLERANCE} of its largest value, the eval-mode logits of
 * held-out images within {@value #LOGIT_TOLERANCE} of the largest logit, and each epoch's train
 * and val loss within {@value #LOSS_TOLERANCE} (relative).
 */
@Disabled("not passing yet: per-epoch train losses agree within 2e-3 of torch's, but after 120 steps the worst"
      + " tensor is 0.29 (relative) and held-out eval logits 0.69 of the largest away; torch with 1 vs 2 threads"
      + " already differs by 1.5e-3 in epoch 2's loss, so chaos vs a real running-statistics discrepancy is open")
class LongTrainingParityTest {
  /** The intended bounds; not met yet (see the class's @Disabled note). */
  private static final double PARAM_TOLERANCE = 2e-3;
  private static final double UPDATE_TOLERANCE = 2e-2;
  private static final double LOGIT_TOLERANCE = 2e-3;
  private static final double LOSS_TOLERANCE = 1e-3;
  private static final int SIZE = 64;
  private static final int BATCH = 8;
  private static final int EPOCHS = 4;
  private static final int VAL_IMAGES = 32;
  private static Path refs;
  private static StateDict data;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_long_training_refs.py", "long-training-refs");
    data = StateDict.read(refs.resolve("data.safetensors"));
  }

  @Test
  void sgdMomentumTwoGroupsStepLrTrainModeBatchNormMatchTorchAfter120Steps() throws Exception {
    check("sgd", new OptimizerSpec.Sgd(0.9, 0, false), 1e-3, 1e-4, 1e-4);
  }

  private static void check(String name, OptimizerSpec optimizer, double fcLr, double restLr, double decay)
      throws Exception {
    StateDict expected = StateDict.read(refs.resolve(name + "-final.safetensors"));
    StateDict initial = StateDict.read(refs.resolve("initial.pth"));
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(10), SIZE, SIZE, SessionOptions.defaults());
        DataLoader train = loader("train", BATCH); DataLoader val = loader("val", VAL_IMAGES)) {
      model.loadStateDict(initial, LoadMode.STRICT);
      Trainer trainer = new Trainer(model, "fc", 0);
      List<ParamGroup> groups = List.of(new ParamGroup("fc", List.of("fc"), fcLr, 0),
          new ParamGroup("rest", List.of(), restLr, decay));
      trainer.compile(new TrainingSetup(CrossEntropyLoss.standard(), groups, optimizer, new LrSchedule.StepLR(2, 0.1),
          BatchNormPolicy.ALWAYS_TRAIN_MODE, false), false);
      History history = trainer.fit(train, val, EPOCHS, List.of(), false);

      float[] lrs = expected.get("lrs").floats();
      float[] trainLosses = expected.get("train_losses").floats();
      float[] valLosses = expected.get("val_losses").floats();
      List<EpochMetrics> trained = history.phase(EpochMetrics.Phase.TRAIN);
      List<EpochMetrics> validated = history.phase(EpochMetrics.Phase.VAL);
      for (int e = 0; e < EPOCHS; e++) {
        System.out.printf("%s epoch %d: train loss %.6f (torch %.6f), val loss %.6f (torch %.6f)%n", name, e + 1,
            trained.get(e).loss(), trainLosses[e], validated.get(e + 1).loss(), valLosses[e + 1]);
      }
      assertEquals(valLosses[0], validated.get(0).loss(), LOSS_TOLERANCE * valLosses[0], name + " epoch 0 val loss");
      for (int e = 0; e < EPOCHS; e++) {
        EpochMetrics t = trained.get(e);
        assertEquals(lrs[2 * e], t.learningRates().get(0), 1e-6 * fcLr, name + " fc lr of epoch " + (e + 1));
        assertEquals(lrs[2 * e + 1], t.learningRates().get(1), 1e-6 * restLr, name + " rest lr of epoch " + (e + 1));
        assertEquals(trainLosses[e], t.loss(), LOSS_TOLERANCE * trainLosses[e], name + " train loss of epoch " + (e + 1));
        assertEquals(valLosses[e + 1], validated.get(e + 1).loss(), LOSS_TOLERANCE * valLosses[e + 1],
            name + " val loss of epoch " + (e + 1));
      }
      TorchStepReplay.compareStates(name, initial, withoutExtras(expected), model.stateDict(), PARAM_TOLERANCE,
          UPDATE_TOLERANCE);
      float[] wantLogits = expected.get("val_logits").floats();
      float[] gotLogits;
      try (DataLoader.Epoch all = val.epoch(0)) {
        gotLogits = model.predict(all.next().images(), VAL_IMAGES);
      }
      double logitError = Arrays4d.maxAbsDiff(wantLogits, gotLogits) / Arrays4d.maxAbs(wantLogits);
      System.out.printf("%s: held-out logits differ by %.3g of the largest%n", name, logitError);
      assertTrue(logitError <= LOGIT_TOLERANCE, name + " held-out logits differ by " + logitError);
      for (int i = 0; i < wantLogits.length / 10; i++) {
        assertEquals(Arrays4d.argmax(wantLogits, i, 10), Arrays4d.argmax(gotLogits, i, 10), name + " class of " + i);
      }
    }
  }

  /** The reference's final state_dict without the measurements stored beside it. */
  private static StateDict withoutExtras(StateDict expected) {
    StateDict state = new StateDict();
    for (String key : expected.names()) {
      if (!List.of("val_logits", "train_losses", "val_losses", "lrs").contains(key)) {
        state.put(key, expected.get(key));
      }
    }
    return state;
  }

  /** The pre-augmented images in torch's order: no transform but ToTensor and Normalize, no shuffling. */
  private static DataLoader loader(String split, int batch) {
    float[] values = data.get(split + "_images").floats();
    long[] labels = data.get(split + "_labels").longs();
    int per = SIZE * SIZE * 3;
    Dataset dataset = new Dataset() {
      @Override
      public int size() {
        return labels.length;
      }

      @Override
      public List<String> classes() {
        return IntStream.range(0, 10).mapToObj(c -> "class" + c).toList();
      }

      @Override
      public int label(int index) {
        return (int) labels[index];
      }

      @Override
      public RgbImage image(int index) {
        byte[] bytes = new byte[per];
        for (int i = 0; i < per; i++) {
          bytes[i] = (byte) values[index * per + i];
        }
        return new RgbImage(SIZE, SIZE, bytes);
      }

      @Override
      public String describe(int index) {
        return split + " image " + index;
      }
    };
    return DataLoader.builder(dataset, new Pipeline(List.of(), Normalization.IMAGENET, SIZE)).optBatchSize(batch)
        .build();
  }
}
