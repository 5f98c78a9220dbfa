package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.ConvNeXt;
import dev.tfjtransfer.zoo.EfficientNet;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.MobileNetV2;
import dev.tfjtransfer.zoo.MobileNetV3;
import dev.tfjtransfer.zoo.ModelZoo;
import dev.tfjtransfer.zoo.Vgg16;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three optimizer steps against torch from identical weights and batches: every parameter, BatchNorm
 * running statistic and counter after the steps must equal torch's within 1e-4 of the tensor's
 * largest value, and each parameter's update (final - initial) within 5% of its largest update, so
 * a wrong learning rate or update rule cannot hide behind small steps.
 */
class TorchTrainingParityTest {
  private static final double PARAM_TOLERANCE = 1e-4;
  /** torch's own float32 VGG16 first-layer gradients differ from float64 by 1.1% of their maximum. */
  private static final double UPDATE_TOLERANCE = 5e-2;
  /** How much further from float64 than torch's own float32 run the project may be. */
  private static final double FLOAT32_MULTIPLE = 4;
  private static final double UPDATE_FLOOR = 0.125;
  private static final String SCRIPT = "make_training_refs.py";
  private static Path refs;

  /**
   * One model of each family (make_training_refs.py's FAMILIES) and its head module, with dropout and
   * stochastic depth off where the zoo's defaults have them: random masks cannot match torch's.
   */
  private static final List<Family> FAMILIES = List.of(
      new Family("resnext50_32x4d", "fc"),
      new Family("densenet121", "classifier"),
      new Family("regnet_y_400mf", "fc"),
      new Family("convnext_tiny", "classifier.2", head -> new ConvNeXt(ConvNeXt.Variant.CONVNEXT_TINY, head, 0f)),
      new Family("mobilenet_v2", "classifier", head -> new MobileNetV2(head, 0f)),
      new Family("mobilenet_v3_small", "classifier", head -> new MobileNetV3(MobileNetV3.Variant.SMALL, head, 0f)),
      new Family("efficientnet_b0", "classifier", head -> new EfficientNet(EfficientNet.Variant.B0, head, 0f, 0f)),
      new Family("efficientnet_v2_s", "classifier",
          head -> new EfficientNet(EfficientNet.Variant.V2_S, head, 0f, 0f)));
  /** make_training_refs.py's OPTIMIZERS; AdamW's eps is 1e-3 for the reason given there. */
  private static final List<Optimizer> OPTIMIZERS = List.of(
      new Optimizer("sgd", OptimizerSpec.Sgd.withMomentum(0.9), 1e-4),
      new Optimizer("adamw", new OptimizerSpec.Adam(0.9, 0.999, 1e-3, true), 0.05));

  /**
   * Cases whose third-step gradients are a chaotic function of the weights: their final state is
   * judged through the losses and {@link AdamRuleCheck} (each step against torch's AdamW rule), not
   * element-wise against float64. Measured (2026-11-29) with make_training_refs.py's cases re-run step
   * by step: in resnext50_32x4d the project's first gradients are off in single channels (layer1.2.bn2
   * channel 78's 500x further from float64 than the other channels', torch float32's are not), most
   * likely an activation near zero crossing the ReLU in one float32 run only;
   * AdamW's normalized steps carry that into the weights, and after two steps their 2.7e-5 relative
   * difference from float64 changes layer3's third gradients by up to 18% of their maximum. torch
   * float64 evaluated at the project's weights after two steps gives the project's third gradients
   * within 0.4%, so the gradients are right for the weights they were taken at. densenet121: weights
   * 9e-4 apart after two steps, third gradients up to 45% apart (torch float32's own up to 43%),
   * torch float64 at the project's weights within 0.7%.
   */
  private static final Set<String> CHAOTIC = Set.of("resnext50_32x4d_adamw", "densenet121_adamw");

  private record Family(String architecture, String head, Function<HeadSpec, Layer> layers) {
    Family(String architecture, String head) {
      this(architecture, head, h -> ModelZoo.layers(architecture, h));
    }
  }

  private record Optimizer(String name, OptimizerSpec spec, double weightDecay) {}

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate(SCRIPT, "training-refs");
  }

  /**
   * Makes case {@code name}'s references now unless they are there: with its weights deleted after
   * each case (see {@link #deleteWeights}), the 3 GB of all cases are never on disk at once.
   */
  private static void makeReferences(String name) throws Exception {
    if (!TorchReferences.isFresh(refs.resolve(name + "-io.safetensors"), SCRIPT)
        || !Files.exists(refs.resolve(name + "-initial.pth"))) {
      TorchReferences.run(SCRIPT, "training-refs", List.of(name));
    }
  }

  private static void deleteWeights(String name) throws IOException {
    try (Stream<Path> files = Files.list(refs)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith(name + "-initial.")
          || f.getFileName().toString().startsWith(name + "-final")).toList()) {
        Files.delete(file);
      }
    }
  }

  @Test
  void vgg16SgdMomentumWithTheSeedsThreeGroupsMatchesTorch() throws Exception {
    Model model = Model.build("vgg16", new Vgg16(HeadSpec.linear(2), 0f), 64, 64, SessionOptions.defaults());
    List<ParamGroup> groups = List.of(
        ParamGroup.of("features", 1e-4, "features"),
        ParamGroup.of("classifier", 5e-4, "classifier.0", "classifier.3"),
        ParamGroup.of("head", 1e-3, "classifier.6"));
    check("vgg16_sgd", model, groups, OptimizerSpec.Sgd.withMomentum(0.9), BatchNormPolicy.FROZEN_USE_RUNNING_STATS,
        null);
  }

  @Test
  void resnet18AdamWFullTrainingWithTrainModeBatchNormMatchesTorch() throws Exception {
    Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64, SessionOptions.defaults());
    // eps 1e-3: see make_training_refs.py (with 1e-8, noise-level gradients flip Adam's step sign)
    check("resnet18_adamw", model, List.of(new ParamGroup("all", List.of(), 1e-3, 0.01)),
        new OptimizerSpec.Adam(0.9, 0.999, 1e-3, true),
        BatchNormPolicy.ALWAYS_TRAIN_MODE, null);
  }

  @Test
  void resnet18AdamWHeadOnlyWithTrainModeBatchNormMatchesTorch() throws Exception {
    Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64, SessionOptions.defaults());
    check("resnet18_head", model, List.of(new ParamGroup("fc", List.of("fc"), 1e-3, 0.01)), OptimizerSpec.Adam.adamW(),
        BatchNormPolicy.ALWAYS_TRAIN_MODE, FreezeSpec.allButHead());
  }

  /**
   * Each family (one file of the zoo) with both optimizers, the head at 10x the backbone's learning
   * rate, weight decay, BatchNorm in train mode: see make_training_refs.py's FLOAT64_CASES.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("float64Cases")
  void familyTrainingWithTwoGroupsMatchesTorchFloat64(Family family, Optimizer optimizer) throws Exception {
    checkAgainstFloat64(family.architecture() + "_" + optimizer.name(), family.layers().apply(HeadSpec.linear(3)),
        headAndRest(family.head(), 1e-3, 1e-4, optimizer.weightDecay()), optimizer.spec());
  }

  static Stream<Arguments> float64Cases() {
    return FAMILIES.stream().flatMap(f -> OPTIMIZERS.stream()
        .map(o -> Arguments.of(Named.of(f.architecture(), f), Named.of(o.name(), o))));
  }

  /** The head with its own learning rate, then every other weight (a group without patterns takes the rest). */
  private static List<ParamGroup> headAndRest(String head, double headLr, double restLr, double weightDecay) {
    return List.of(new ParamGroup("head", List.of(head), headLr, weightDecay),
        new ParamGroup("backbone", List.of(), restLr, weightDecay));
  }

  /**
   * Deep random-init nets are ill-conditioned enough that torch's own float32 run drifts measurably
   * from float64 in three steps, so the truth is torch in float64 and the bar is torch float32's own
   * distance from it: the project's losses and each tensor's value and update may be at most
   * {@value #FLOAT32_MULTIPLE}x as far as torch float32's, or, where torch float32 happens to be very
   * close, as far as the direct float32 tests allow (losses and tensors within {@value #PARAM_TOLERANCE}
   * relative; updates two ulps in the update measure). AdamW needs that floor: its normalized steps
   * turn another summation order's noise into 1e-5-relative differences (resnext50, convnext_tiny,
   * densenet121's second loss) where torch float32 is luckily closer. Adam(W) steps are also checked one
   * by one against torch's rule ({@link AdamRuleCheck}), which no gradient noise can blur.
   */
  private static void checkAgainstFloat64(String name, Layer layers, List<ParamGroup> groups,
      OptimizerSpec optimizer) throws Exception {
    makeReferences(name);
    try {
      compareWithFloat64(name, layers, groups, optimizer);
    } finally {
      deleteWeights(name);
    }
  }

  private static void compareWithFloat64(String name, Layer layers, List<ParamGroup> groups,
      OptimizerSpec optimizer) throws Exception {
    StateDict io = StateDict.read(refs.resolve(name + "-io.safetensors"));
    long size = io.get("input0").shape()[2];
    try (Model model = Model.build(name, layers, size, size, SessionOptions.defaults())) {
      StateDict initial = StateDict.read(refs.resolve(name + "-initial.pth"));
      model.loadStateDict(initial, LoadMode.STRICT);
      OptimizerState state = new OptimizerState(model);
      TrainingStep step = new TrainingStep(model, groups, optimizer, state, CrossEntropyLoss.standard(),
          BatchNormPolicy.ALWAYS_TRAIN_MODE, false);
      AdamRuleCheck rule = optimizer instanceof OptimizerSpec.Adam adam
          ? new AdamRuleCheck(model, state, step, adam) : null;
      float[] losses = new float[3];
      double worstRule = 0;
      for (int i = 0; i < losses.length; i++) {
        losses[i] = TorchStepReplay.runStep(step, groups, io, i);
        if (rule != null) {
          worstRule = Math.max(worstRule, rule.checkStep(name + " step " + i));
        }
      }
      float[] truth = io.get("losses_f64").floats();
      float[] torch32 = io.get("losses_f32").floats();
      for (int i = 0; i < losses.length; i++) {
        double bound = Math.max(FLOAT32_MULTIPLE * Math.abs(torch32[i] - truth[i]), PARAM_TOLERANCE * Math.abs(truth[i]));
        assertEquals(truth[i], losses[i], bound, name + " loss of step " + i + " (torch float32 " + torch32[i] + ")");
      }
      if (rule != null) {
        System.out.printf("%s: worst deviation from torch's AdamW rule %.3g lr%n", name, worstRule);
      }
      StateDict expected = StateDict.read(refs.resolve(name + "-final-f64.safetensors"));
      Map<String, TorchStepReplay.TensorError> torchErrors = TorchStepReplay.errors(name + " torch float32", initial,
          expected, StateDict.read(refs.resolve(name + "-final-f32.safetensors")));
      double[] worst = new double[4];
      for (Map.Entry<String, TorchStepReplay.TensorError> e
          : TorchStepReplay.errors(name, initial, expected, model.stateDict()).entrySet()) {
        TorchStepReplay.TensorError error = e.getValue();
        TorchStepReplay.TensorError torch = torchErrors.get(e.getKey());
        double paramBound = Math.max(FLOAT32_MULTIPLE * torch.param(), PARAM_TOLERANCE);
        double updateBound = Math.max(FLOAT32_MULTIPLE * torch.update(), UPDATE_FLOOR);
        if (!CHAOTIC.contains(name)) {
          assertTrue(error.param() <= paramBound, name + " " + e.getKey() + ": relative error " + error.param()
              + " > " + paramBound + " (torch float32 " + torch.param() + ")");
          assertTrue(error.update() <= updateBound, name + " " + e.getKey() + ": update differs by "
              + error.update() + " of its largest value > " + updateBound + " (torch float32 " + torch.update() + ")");
        }
        worst = new double[] {Math.max(worst[0], error.param()), Math.max(worst[1], torch.param()),
            Math.max(worst[2], error.update()), Math.max(worst[3], torch.update())};
      }
      System.out.printf("%s vs float64, worst over tensors: parameters %.3g (torch float32 %.3g), updates %.3g"
          + " (torch float32 %.3g)%n", name, worst[0], worst[1], worst[2], worst[3]);
    }
  }

  private static void check(String name, Model model, List<ParamGroup> groups, OptimizerSpec optimizer,
      BatchNormPolicy policy, FreezeSpec freeze) throws Exception {
    makeReferences(name);
    try (model) {
      StateDict initial = StateDict.read(refs.resolve(name + "-initial.pth"));
      model.loadStateDict(initial, LoadMode.STRICT);
      if (freeze != null) {
        freeze.freeze(model, "fc");
      }
      TrainingStep step = new TrainingStep(model, groups, optimizer, new OptimizerState(model),
          CrossEntropyLoss.standard(), policy, false);
      StateDict io = StateDict.read(refs.resolve(name + "-io.safetensors"));
      TorchStepReplay.replay(name, step, groups, io, 3, io.get("losses").floats());
      TorchStepReplay.compareStates(name, initial, StateDict.read(refs.resolve(name + "-final.safetensors")),
          model.stateDict(), PARAM_TOLERANCE, UPDATE_TOLERANCE);
    } finally {
      deleteWeights(name);
    }
  }
}
