package dev.tfjtransfer.eval;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.infer.Prediction;
import dev.tfjtransfer.nn.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs a model in inference mode over every image of a labelled loader. */
public final class Evaluator {
  private Evaluator() {}

  /**
   * The plain evaluation beside a test-time augmented one, from one pass over the views (the plain
   * input is one of them, {@link TestTimeAugmentation#plainView()}).
   *
   * @param augmented each image's probabilities are the mean over its views' softmax
   */
  public record WithTta(TestTimeAugmentation tta, Evaluation plain, Evaluation augmented) {}

  /**
   * Classifies every readable image of {@code loader} (its pipeline must be deterministic).
   *
   * @param classes the model's class names; the loader's classes must be among them (a test set
   *     may lack some classes) and its labels are mapped to the model's by name
   */
  public static Evaluation evaluate(Model model, DataLoader loader, List<String> classes) {
    return evaluate(model, loader, classes, TestTimeAugmentation.NONE).plain();
  }

  /**
   * {@link #evaluate(Model, DataLoader, List)} and, unless {@code tta} is NONE (then both are the
   * plain one), the same images with test-time augmentation. The seconds of both are the pass's.
   */
  public static WithTta evaluate(Model model, DataLoader loader, List<String> classes, TestTimeAugmentation tta) {
    if (!loader.pipeline().isDeterministic()) {
      throw new IllegalArgumentException("evaluation needs deterministic transforms (resize, center_crop), not"
          + " random ones");
    }
    if (model.numOutputs() != classes.size()) {
      throw new IllegalArgumentException("the model has " + model.numOutputs() + " outputs for " + classes.size()
          + " class names");
    }
    int[] toModelClass = classMapping(loader.dataset().classes(), classes);
    long start = System.nanoTime();
    List<float[]> plain = new ArrayList<>();
    List<float[]> augmented = new ArrayList<>();
    int[] labels = new int[loader.dataset().size()];
    int[] indices = new int[loader.dataset().size()];
    int n = 0;
    int views = tta.views();
    int classCount = model.numOutputs();
    int per = loader.pipeline().floatsPerImage();
    try (DataLoader.Epoch epoch = loader.epoch(0, tta)) {
      while (epoch.hasNext()) {
        Batch batch = epoch.next();
        int rows = batch.size() * views;
        float[] images = batch.images().length == rows * per ? batch.images()
            : Arrays.copyOf(batch.images(), rows * per);
        float[] logits = model.predict(images, rows);
        for (int i = 0; i < batch.size(); i++) {
          plain.add(Prediction.ofViews(logits, i * views + tta.plainView(), 1, classCount).probabilities());
          augmented.add(Prediction.ofViews(logits, i * views, views, classCount).probabilities());
          labels[n] = toModelClass[batch.labels()[i]];
          indices[n] = batch.indices()[i];
          n++;
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    int[] keptLabels = Arrays.copyOf(labels, n);
    int[] keptIndices = Arrays.copyOf(indices, n);
    Evaluation plainEvaluation = new Evaluation(classes, keptLabels, plain.toArray(float[][]::new), keptIndices,
        seconds);
    Evaluation augmentedEvaluation = tta == TestTimeAugmentation.NONE ? plainEvaluation
        : new Evaluation(classes, keptLabels, augmented.toArray(float[][]::new), keptIndices, seconds);
    return new WithTta(tta, plainEvaluation, augmentedEvaluation);
  }

  /**
   * The plain evaluation of logits already computed over {@code loader} in its order (a
   * validation pass of the same weights): the probabilities, labels and class mapping
   * {@link #evaluate(Model, DataLoader, List, TestTimeAugmentation)} would derive from them.
   *
   * @param labels the loader's labels of the rows; {@code indices} their dataset indices
   */
  public static WithTta ofLogits(DataLoader loader, List<String> classes, float[] logits, int[] labels,
      int[] indices, double seconds) {
    int[] toModelClass = classMapping(loader.dataset().classes(), classes);
    float[][] probabilities = new float[labels.length][];
    int[] modelLabels = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      probabilities[i] = Prediction.ofViews(logits, i, 1, classes.size()).probabilities();
      modelLabels[i] = toModelClass[labels[i]];
    }
    Evaluation plain = new Evaluation(classes, modelLabels, probabilities, indices.clone(), seconds);
    return new WithTta(TestTimeAugmentation.NONE, plain, plain);
  }

  private static int[] classMapping(List<String> datasetClasses, List<String> modelClasses) {
    int[] map = new int[datasetClasses.size()];
    for (int i = 0; i < map.length; i++) {
      map[i] = modelClasses.indexOf(datasetClasses.get(i));
      if (map[i] < 0) {
        throw new IllegalArgumentException("class folder '" + datasetClasses.get(i) + "' is not one of the model's"
            + " classes " + modelClasses);
      }
    }
    return map;
  }
}
