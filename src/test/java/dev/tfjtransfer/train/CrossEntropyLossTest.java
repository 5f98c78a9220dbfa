package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tfjtransfer.data.ClassWeights;
import dev.tfjtransfer.weights.StateDict;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The loss and its gradient against torch's cross_entropy: class indices with class weights and
 * label smoothing (torch divides by the sum of the targets' weights), probability targets with and
 * without weights (divided by the batch size); and 'balanced' weights against scikit-learn's
 * formula.
 */
class CrossEntropyLossTest {
  private record Evaluated(float loss, float[] grad) {}

  private static Evaluated evaluate(StateDict refs, BiFunction<Ops, Operands, Operand<TFloat32>> build) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operands in = new Operands(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4))),
          tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))),
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4))));
      Operand<TFloat32> loss = build.apply(tf, in);
      Output<?> grad = tf.gradients(loss, List.of(in.logits())).dy().get(0);
      float[] logits = refs.get("logits").floats();
      try (TFloat32 z = TFloat32.tensorOf(Shape.of(6, 4)); TInt32 y = TInt32.vectorOf(
              RecipeReferences.ints(refs.get("labels").longs()));
          TFloat32 p = TFloat32.tensorOf(Shape.of(6, 4))) {
        z.asRawTensor().data().asFloats().write(logits);
        p.asRawTensor().data().asFloats().write(refs.get("probs").floats());
        try (Result r = s.runner().feed(in.logits(), z).feed(in.labels(), y).feed(in.probs(), p).fetch(loss)
            .fetch(grad).run()) {
          float[] gradValues = new float[24];
          r.get(1).asRawTensor().data().asFloats().read(gradValues);
          return new Evaluated(((TFloat32) r.get(0)).getFloat(), gradValues);
        }
      }
    }
  }

  private record Operands(Placeholder<TFloat32> logits, Placeholder<TInt32> labels, Placeholder<TFloat32> probs) {}

  private static void check(StateDict refs, String name, BiFunction<Ops, Operands, Operand<TFloat32>> build) {
    Evaluated e = evaluate(refs, build);
    assertEquals(refs.get(name).floats()[0], e.loss(), 1e-5, name + " loss");
    assertArrayEquals(refs.get(name + "_grad").floats(), e.grad(), 1e-6f, name + " gradient");
  }

  private static List<Double> weights(StateDict refs) {
    List<Double> w = new ArrayList<>();
    for (float f : refs.get("weights").floats()) {
      w.add((double) f);
    }
    return w;
  }

  @Test
  void classIndexLossMatchesTorchWithAndWithoutWeights() throws Exception {
    StateDict refs = RecipeReferences.read("losses.safetensors");
    check(refs, "hard_plain", (tf, in) -> CrossEntropyLoss.standard().build(tf, in.logits(), in.labels()));
    CrossEntropyLoss weighted = new CrossEntropyLoss(0.1, weights(refs));
    check(refs, "hard_weighted_smooth", (tf, in) -> weighted.build(tf, in.logits(), in.labels()));
  }

  @Test
  void probabilityTargetLossMatchesTorchWithAndWithoutWeights() throws Exception {
    StateDict refs = RecipeReferences.read("losses.safetensors");
    check(refs, "soft_plain", (tf, in) -> CrossEntropyLoss.standard().buildSoft(tf, in.logits(), in.probs()));
    CrossEntropyLoss weighted = CrossEntropyLoss.standard().withClassWeights(weights(refs));
    check(refs, "soft_weighted", (tf, in) -> weighted.buildSoft(tf, in.logits(), in.probs()));
  }

  @Test
  void balancedWeightsAreScikitLearns() throws Exception {
    StateDict refs = RecipeReferences.read("class_weights.safetensors");
    int[] labels = RecipeReferences.ints(refs.get("labels").longs());
    int[] counts = new int[4];
    for (int label : labels) {
      counts[label]++;
    }
    List<Double> balanced = ClassWeights.balanced(counts);
    float[] expected = refs.get("balanced").floats();
    for (int c = 0; c < 4; c++) {
      assertEquals(expected[c], balanced.get(c), 1e-6 * expected[c]);
    }
  }
}
