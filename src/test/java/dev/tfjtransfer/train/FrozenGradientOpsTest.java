package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/**
 * The graph of a training step holds gradient ops only for trainable weights: counts of backward
 * op types for head-only, layer4+fc and full training, and each filter gradient (a
 * Conv2DBackpropFilter, or PatchFilterGradient's patch product for layer4's 2 x 2 outputs at 64 px)
 * traced to the convolution it differentiates, whose weight must be trainable.
 */
class FrozenGradientOpsTest {
  private static final List<String> BACKWARD_TYPES = List.of("Conv2DBackpropFilter", "Conv2DBackpropInput",
      "FusedBatchNormGradV3", "MaxPoolGrad", "MaxPoolGradV2", "AvgPoolGrad");

  private static Map<String, Integer> buildAndCount(FreezeSpec freeze, FreezeSpec unfreeze) {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(2), 64, 64, SessionOptions.defaults())) {
      if (freeze != null) {
        freeze.freeze(model, "fc");
      }
      if (unfreeze != null) {
        unfreeze.unfreeze(model, "fc");
      }
      new TrainingStep(model, List.of(new ParamGroup("all", List.of(), 0.01, 0)), OptimizerSpec.Sgd.withMomentum(0.9),
          new OptimizerState(model), CrossEntropyLoss.standard(), BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
      Map<String, Integer> counts = new HashMap<>();
      Set<String> trainableConvs = model.trainableWeights().stream().map(Parameter::name)
          .filter(n -> n.endsWith(".weight") && model.parameter(n).torchShape().length == 4).collect(Collectors.toSet());
      List<String> differentiated = new ArrayList<>();
      for (Iterator<GraphOperation> it = model.graph().operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        counts.merge(op.type(), 1, Integer::sum);
        // Conv2DBackpropFilter(input, filter_sizes, out_backprop): filter_sizes is Shape(filter), unless
        // the filter is read through StopGradient (PatchFilterGradient's: that op feeds nothing, never runs);
        // PatchFilterGradient's IdentityN(output, filter, filter shape), whose gradient is the patch product
        boolean filterGradient = op.type().equals("Conv2DBackpropFilter") && !readsStopGradient(op)
            || op.type().equals("IdentityN") && op.numInputs() == 3;
        if (filterGradient) {
          differentiated.add(variableOf((GraphOperation) op.input(1).op()));
        }
      }
      assertEquals(count(counts, "IdentityN"), count(counts, "ExtractImagePatches"), "a patch product per IdentityN");
      for (String filter : differentiated) {
        assertTrue(trainableConvs.contains(filter), "gradient op for frozen weight " + filter);
      }
      assertEquals(trainableConvs.size(), differentiated.size(), "one filter gradient per trainable conv weight");
      return counts;
    }
  }

  private static boolean readsStopGradient(GraphOperation backprop) {
    GraphOperation sizes = (GraphOperation) backprop.input(1).op();
    return sizes.numInputs() > 0 && sizes.input(0).op().type().equals("StopGradient");
  }

  /** The variable an op reads, following first inputs (Shape, Identity, Cast) up to it. */
  private static String variableOf(GraphOperation op) {
    GraphOperation source = op;
    while (!source.type().equals("VariableV2") && source.numInputs() > 0) {
      source = (GraphOperation) source.input(0).op();
    }
    return source.name();
  }

  private static int count(Map<String, Integer> counts, String type) {
    return counts.getOrDefault(type, 0);
  }

  @Test
  void headOnlyTrainingBuildsNoBackboneGradientOps() {
    Map<String, Integer> counts = buildAndCount(FreezeSpec.allButHead(), null);
    for (String type : BACKWARD_TYPES) {
      assertEquals(0, count(counts, type), type);
    }
  }

  @Test
  void layer4AndFcTrainingDifferentiatesOnlyLayer4() {
    Map<String, Integer> counts = buildAndCount(FreezeSpec.all(), FreezeSpec.of("layer4", "fc"));
    // layer4's four 3 x 3 filter gradients are patch products (their Conv2DBackpropFilter ops are built, never run)
    assertEquals(5, count(counts, "Conv2DBackpropFilter"));
    assertEquals(4, count(counts, "ExtractImagePatches"));
    assertEquals(5, count(counts, "FusedBatchNormGradV3"));
    assertEquals(0, count(counts, "MaxPoolGrad") + count(counts, "MaxPoolGradV2"));
  }

  @Test
  void fullTrainingDifferentiatesEveryConvolution() {
    Map<String, Integer> counts = buildAndCount(null, null);
    assertEquals(20, count(counts, "Conv2DBackpropFilter"));
    assertEquals(4, count(counts, "ExtractImagePatches"));
    assertEquals(20, count(counts, "FusedBatchNormGradV3"));
    assertEquals(1, count(counts, "MaxPoolGrad") + count(counts, "MaxPoolGradV2"));
  }
}
