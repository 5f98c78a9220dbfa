package dev.tfjtransfer.eval;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.infer.Prediction;
import dev.tfjtransfer.nn.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs a model in inference mode over every image of a labelled loader. */
public final class Evaluator {
  private Evaluator() {}

  /**
   * Classifies every readable image of {@code loader} (its pipeline must be deterministic).
   *
   * @param classes the model's class names; the loader's classes must be among them (a test set
   *     may lack some classes) and its labels are mapped to the model's by name
   */
  public static Evaluation evaluate(Model model, DataLoader loader, List<String> classes) {
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
    List<float[]> probabilities = new ArrayList<>();
    int[] labels = new int[loader.dataset().size()];
    int[] indices = new int[loader.dataset().size()];
    int n = 0;
    int per = loader.pipeline().floatsPerImage();
    try (DataLoader.Epoch epoch = loader.epoch(0)) {
      while (epoch.hasNext()) {
        Batch batch = epoch.next();
        if (batch.size() == 0) {
          continue;
        }
        float[] images = batch.images().length == batch.size() * per ? batch.images()
            : Arrays.copyOf(batch.images(), batch.size() * per);
        float[] logits = model.predict(images, batch.size());
        for (int i = 0; i < batch.size(); i++) {
          int c = model.numOutputs();
          probabilities.add(Prediction.fromLogits(Arrays.copyOfRange(logits, i * c, (i + 1) * c)).probabilities());
          labels[n] = toModelClass[batch.labels()[i]];
          indices[n] = batch.indices()[i];
          n++;
        }
      }
    }
    return new Evaluation(classes, Arrays.copyOf(labels, n), probabilities.toArray(float[][]::new),
        Arrays.copyOf(indices, n), (System.nanoTime() - start) / 1e9);
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
