package dev.tfjtransfer.train;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.ConvNeXt;
import dev.tfjtransfer.zoo.EfficientNet;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.MobileNetV3;
import dev.tfjtransfer.zoo.ModelZoo;
import dev.tfjtransfer.zoo.Vgg16;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
  private static Path refs;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_training_refs.py", "training-refs");
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

  @Test
  void convnextTinyAdamWTwoGroupsMatchesTorch() throws Exception {
    // stochastic depth off, as in the reference: random row masks cannot match across frameworks
    Model model = Model.build("convnext_tiny", new ConvNeXt(ConvNeXt.Variant.CONVNEXT_TINY, HeadSpec.linear(3), 0f),
        64, 64, SessionOptions.defaults());
    check("convnext_tiny_adamw", model, headAndRest("classifier.2", 1e-3, 1e-4, 0.05),
        new OptimizerSpec.Adam(0.9, 0.999, 1e-3, true), BatchNormPolicy.ALWAYS_TRAIN_MODE, null);
  }

  /** The head with its own learning rate, then every other weight (a group without patterns takes the rest). */
  private static List<ParamGroup> headAndRest(String head, double headLr, double restLr, double weightDecay) {
    return List.of(new ParamGroup("head", List.of(head), headLr, weightDecay),
        new ParamGroup("backbone", List.of(), restLr, weightDecay));
  }

  @Test
  void mobilenetV3SmallAdamWWithTwoGroupsAndTrainModeBatchNormMatchesTorch() throws Exception {
    Model model = Model.build("mobilenet_v3_small", new MobileNetV3(MobileNetV3.Variant.SMALL, HeadSpec.linear(3), 0f),
        64, 64, SessionOptions.defaults());
    check("mobilenet_v3_small_adamw", model, featuresAndClassifier(1e-3, 5e-3, 0.01),
        new OptimizerSpec.Adam(0.9, 0.999, 1e-3, true), BatchNormPolicy.ALWAYS_TRAIN_MODE, null);
  }

  @Test
  void efficientnetB0SgdMomentumWithTwoGroupsAndTrainModeBatchNormMatchesTorch() throws Exception {
    // stochastic depth and dropout off: random masks cannot match across frameworks
    Model model = Model.build("efficientnet_b0", new EfficientNet(EfficientNet.Variant.B0, HeadSpec.linear(2), 0f, 0f),
        64, 64, SessionOptions.defaults());
    check("efficientnet_b0_sgd", model, featuresAndClassifier(1e-3, 1e-2, 0), OptimizerSpec.Sgd.withMomentum(0.9),
        BatchNormPolicy.ALWAYS_TRAIN_MODE, null);
  }

  private static List<ParamGroup> featuresAndClassifier(double featuresLr, double classifierLr, double weightDecay) {
    return List.of(new ParamGroup("features", List.of("features"), featuresLr, weightDecay),
        new ParamGroup("classifier", List.of("classifier"), classifierLr, weightDecay));
  }

  private static void check(String name, Model model, List<ParamGroup> groups, OptimizerSpec optimizer,
      BatchNormPolicy policy, FreezeSpec freeze) throws Exception {
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
    }
  }
}
