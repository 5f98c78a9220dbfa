package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/**
 * What keeps full training's peak memory down, checked on the graph of a resnet18 full training
 * step: the backward pass of each ReLU reads the ReLU's output, never its input (so BatchNorm
 * outputs are freed in the forward pass), and each weight's update waits only for its own
 * gradient and the ops that read the weight or a view of it (so gradients are applied and freed as
 * they come, and no update overwrites a weight a backward op has still to read).
 */
class TrainingMemoryTest {
  private static final Set<String> FORWARDING_OPS =
      Set.of("Identity", "StopGradient", "Reshape", "ExpandDims", "Squeeze", "Snapshot", "IdentityN");
  private static Model model;
  private static List<GraphOperation> ops;

  @BeforeAll
  static void buildStep() {
    model = ModelZoo.create("resnet18", HeadSpec.linear(2), 64, 64, SessionOptions.defaults());
    new TrainingStep(model, List.of(new ParamGroup("all", List.of(), 0.01, 0)), OptimizerSpec.Sgd.withMomentum(0.9),
        new OptimizerState(model), CrossEntropyLoss.standard(), BatchNormPolicy.FROZEN_USE_RUNNING_STATS, false);
    ops = new ArrayList<>();
    for (Iterator<GraphOperation> it = model.graph().operations(); it.hasNext(); ) {
      ops.add(it.next());
    }
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void reluBackwardReadsOutputsNotPreActivations() {
    int backwardRelus = 0;
    for (GraphOperation op : ops) {
      if (op.type().equals("ReluGrad") && !op.input(1).op().type().equals("StopGradient")) {
        backwardRelus++;
        String featuresFrom = op.input(1).op().type();
        assertEquals("ReluGrad", featuresFrom, op.name() + " reads a pre-activation produced by " + featuresFrom);
      }
    }
    // resnet18: the stem ReLU and two per basic block (8 blocks)
    assertEquals(17, backwardRelus);
    assertFalse(ops.stream().anyMatch(op -> op.type().equals("Relu") && op.name().startsWith("train")),
        "no plain Relu where gradients flow");
  }

  @Test
  void eachUpdateWaitsForItsOwnGradientAndTheReadersOfItsWeight() {
    int updates = 0;
    for (GraphOperation apply : ops) {
      if (!apply.type().equals("ApplyMomentum")) {
        continue;
      }
      updates++;
      GraphOperation variable = (GraphOperation) apply.input(0).op();
      Set<GraphOperation> views = viewsOf(variable);
      Set<GraphOperation> waitsFor = apply.controlInputs();
      int gradientIdentities = 0;
      for (GraphOperation dependency : waitsFor) {
        boolean readsWeight = dependency.inputs().stream().anyMatch(in -> views.contains(in.op()));
        boolean ownGradient = dependency.type().equals("Identity")
            && dependency.input(0).equals(apply.input(3));
        assertTrue(readsWeight || ownGradient, apply.name() + " waits for " + dependency.name());
        gradientIdentities += ownGradient ? 1 : 0;
      }
      assertEquals(1, gradientIdentities, apply.name());
      for (GraphOperation reader : views.stream().flatMap(v -> v.consumers().stream()).toList()) {
        // (conv1's input gradient is built but feeds nothing: it never runs and need not be waited for)
        if (reader.type().equals("Conv2DBackpropInput") && reader.numConsumers() > 0) {
          assertTrue(waitsFor.contains(reader), apply.name() + " must wait for " + reader.name());
        }
      }
    }
    assertEquals(model.trainableWeights().size(), updates);
  }

  /**
   * The variable and every op whose output shares its buffer: TensorFlow forwards the input of
   * these ops, so reading one of them reads the weight as the update overwrites it (layer4's input
   * gradients read StopGradient(filter) here: PatchFilterGradient at 2 x 2 outputs).
   */
  private static Set<GraphOperation> viewsOf(GraphOperation variable) {
    Set<GraphOperation> views = new HashSet<>(List.of(variable));
    List<GraphOperation> pending = new ArrayList<>(List.of(variable));
    while (!pending.isEmpty()) {
      for (GraphOperation consumer : pending.remove(pending.size() - 1).consumers()) {
        if (FORWARDING_OPS.contains(consumer.type()) && views.add(consumer)) {
          pending.add(consumer);
        }
      }
    }
    return views;
  }
}
