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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * A whole run against the PyTorch tutorial's train_model loop (tests/parity/make_long_training_refs.py):
 * resnet18 at 32x32 from weights torch pre-trained, {@link Trainer#fit} for 4 epochs of 30 batches
 * (120 steps) on identical pre-augmented images, train-mode BatchNorm, two parameter groups (weight
 * decay on one), StepLR(2, 0.1) across the epochs, SGD momentum. What three-step tests cannot see
 * shows here: running statistics after 120 updates, the order of updates within a step, the epoch
 * at which the schedule changes the rate.
 *
 * <p>The truth is torch's run in float64; the yardstick is torch float32's own distance from it. Every
 * weight and running statistic (its value relative to the tensor's largest, and its total update
 * relative to the largest update), the eval-mode logits of held-out images (relative to the largest)
 * and each epoch's train and val loss may be at most {@value #FLOAT32_MULTIPLE}x as far from float64
 * as torch float32's are, or a floor where torch float32 happens to be very close. The same bound
 * must reject two deliberately wrong torch runs: BatchNorm momentum 0.01 instead of 0.1, and every
 * step applying the previous step's gradient.
 */
@Disabled("not passing yet: torch float32 ends within 1.2e-5 (parameters) of float64 here, but the project's"
    + " layer2.0.conv1.weight update is 3% off float64's (torch float32: 0.03%), 24x the bound; next worst"
    + " layer2.0.bn1.running_mean and layer4.0.conv1.weight: the first conv of downsampling blocks (issue 15)")
class LongTrainingParityTest {
  private static final double FLOAT32_MULTIPLE = 4;
  /** Floors, relative to the measured quantity's scale (see {@link TorchStepReplay#errors}). */
  private static final double PARAM_FLOOR = 1e-5;
  private static final double UPDATE_FLOOR = 1e-3;
  private static final double LOGIT_FLOOR = 1e-5;
  private static final double LOSS_FLOOR = 1e-5;
  private static final List<String> BUGS = List.of("bn-momentum-0.01", "update-late");
  private static final double FC_LR = 1e-3;
  private static final double REST_LR = 1e-4;
  private static final double WEIGHT_DECAY = 1e-4;
  private static final int SIZE = 32;
  private static final int BATCH = 8;
  private static final int EPOCHS = 4;
  private static final int VAL_IMAGES = 32;
  private static Path refs;
  private static StateDict initial;
  private static StateDict truth;
  private static StateDict torch32;
  private static Run project;

  /** What the project's run produced: final state, per-epoch losses and rates, held-out logits. */
  private record Run(StateDict state, float[] trainLosses, float[] valLosses, float[] lrs, float[] logits) {
    static Run of(StateDict reference) {
      return new Run(reference, reference.get("train_losses").floats(), reference.get("val_losses").floats(),
          reference.get("lrs").floats(), reference.get("val_logits").floats());
    }
  }

  @BeforeAll
  static void runBothSides() throws Exception {
    refs = TorchReferences.generate("make_long_training_refs.py", "long-training-refs");
    initial = StateDict.read(refs.resolve("initial.pth"));
    project = trainProject(StateDict.read(refs.resolve("data.safetensors")));
    truth = StateDict.read(refs.resolve("f64-final.safetensors"));
    torch32 = StateDict.read(refs.resolve("f32-final.safetensors"));
  }

  @Test
  void sgdMomentumTwoGroupsStepLrTrainModeBatchNormMatchFloat64After120Steps() {
    Run want = Run.of(truth);
    for (int e = 0; e < EPOCHS; e++) {
      assertEquals(want.lrs[2 * e], project.lrs[2 * e], 1e-6 * FC_LR, "fc lr of epoch " + (e + 1));
      assertEquals(want.lrs[2 * e + 1], project.lrs[2 * e + 1], 1e-6 * REST_LR, "rest lr of epoch " + (e + 1));
    }
    Map<String, Double> ratios = ratios(truth);
    ratios.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
        .forEach(e -> System.out.printf("  %s: %.3g of the bound%n", e.getKey(), e.getValue()));
    ratios.forEach((what, ratio) -> assertTrue(ratio <= 1, what + " is " + ratio + "x the bound"));
    System.out.printf("long run vs float64: worst %.3g of the bound (%s)%n", worst(ratios).getValue(),
        worst(ratios).getKey());
  }

  /** The bound is tight enough to catch the bugs this test is about. */
  @Test
  void deliberatelyWrongRunsAreOutsideTheBound() throws Exception {
    for (String bug : BUGS) {
      Map.Entry<String, Double> worst = worst(ratios(StateDict.read(refs.resolve(bug + "-final.safetensors"))));
      System.out.printf("long run vs torch with %s: worst %.3g of the bound (%s)%n", bug, worst.getValue(),
          worst.getKey());
      assertTrue(worst.getValue() > 1, "the project's run is within the bound of torch with " + bug);
    }
  }

  /**
   * How far the project's run is from {@code reference}, per measured quantity, as a fraction of
   * the bound that torch float32's distance from float64 sets for it.
   */
  private static Map<String, Double> ratios(StateDict reference) {
    Run want = Run.of(reference);
    Run yardstick = Run.of(torch32);
    Run f64 = Run.of(truth);
    Map<String, Double> ratios = new LinkedHashMap<>();
    Map<String, TorchStepReplay.TensorError> torchErrors = TorchStepReplay.errors("torch float32", initial, truth,
        stateOnly(torch32));
    TorchStepReplay.errors("project", initial, reference, project.state).forEach((key, error) -> {
      TorchStepReplay.TensorError torch = torchErrors.get(key);
      ratios.put(key, error.param() / Math.max(FLOAT32_MULTIPLE * torch.param(), PARAM_FLOOR));
      ratios.put(key + " update", error.update() / Math.max(FLOAT32_MULTIPLE * torch.update(), UPDATE_FLOOR));
    });
    double logitScale = Arrays4d.maxAbs(want.logits);
    double logitError = Arrays4d.maxAbsDiff(want.logits, project.logits) / logitScale;
    double torchLogitError = Arrays4d.maxAbsDiff(f64.logits, yardstick.logits) / Arrays4d.maxAbs(f64.logits);
    ratios.put("held-out logits", logitError / Math.max(FLOAT32_MULTIPLE * torchLogitError, LOGIT_FLOOR));
    for (int e = 0; e < EPOCHS; e++) {
      ratios.put("train loss of epoch " + (e + 1), lossRatio(want.trainLosses[e], project.trainLosses[e],
          f64.trainLosses[e], yardstick.trainLosses[e]));
    }
    for (int e = 0; e <= EPOCHS; e++) {
      ratios.put("val loss after epoch " + e, lossRatio(want.valLosses[e], project.valLosses[e], f64.valLosses[e],
          yardstick.valLosses[e]));
    }
    return ratios;
  }

  /** A reference's state_dict without the measurements stored beside it. */
  private static StateDict stateOnly(StateDict reference) {
    StateDict state = new StateDict();
    for (String key : initial.names()) {
      state.put(key, reference.get(key));
    }
    return state;
  }

  private static double lossRatio(double want, double got, double f64, double f32) {
    return Math.abs(got - want) / Math.max(FLOAT32_MULTIPLE * Math.abs(f32 - f64), LOSS_FLOOR * Math.abs(f64));
  }

  private static Map.Entry<String, Double> worst(Map<String, Double> ratios) {
    return ratios.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
  }

  private static Run trainProject(StateDict data) throws Exception {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(10), SIZE, SIZE, SessionOptions.defaults());
        DataLoader train = loader(data, "train", BATCH); DataLoader val = loader(data, "val", VAL_IMAGES)) {
      model.loadStateDict(initial, LoadMode.STRICT);
      Trainer trainer = new Trainer(model, "fc", 0);
      List<ParamGroup> groups = List.of(new ParamGroup("fc", List.of("fc"), FC_LR, 0),
          new ParamGroup("rest", List.of(), REST_LR, WEIGHT_DECAY));
      trainer.compile(new TrainingSetup(CrossEntropyLoss.standard(), groups, OptimizerSpec.Sgd.withMomentum(0.9),
          new LrSchedule.StepLR(2, 0.1), BatchNormPolicy.ALWAYS_TRAIN_MODE, false), false);
      History history = trainer.fit(train, val, EPOCHS, List.of(), false);
      List<EpochMetrics> trained = history.phase(EpochMetrics.Phase.TRAIN);
      List<EpochMetrics> validated = history.phase(EpochMetrics.Phase.VAL);
      float[] trainLosses = new float[EPOCHS];
      float[] valLosses = new float[EPOCHS + 1];
      float[] lrs = new float[2 * EPOCHS];
      valLosses[0] = (float) validated.get(0).loss();
      for (int e = 0; e < EPOCHS; e++) {
        trainLosses[e] = (float) trained.get(e).loss();
        valLosses[e + 1] = (float) validated.get(e + 1).loss();
        lrs[2 * e] = trained.get(e).learningRates().get(0).floatValue();
        lrs[2 * e + 1] = trained.get(e).learningRates().get(1).floatValue();
      }
      float[] logits;
      try (DataLoader.Epoch all = val.epoch(0)) {
        logits = model.predict(all.next().images(), VAL_IMAGES);
      }
      return new Run(model.stateDict(), trainLosses, valLosses, lrs, logits);
    }
  }

  /** The pre-augmented images in torch's order: no transform but ToTensor and Normalize, no shuffling. */
  private static DataLoader loader(StateDict data, String split, int batch) {
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
