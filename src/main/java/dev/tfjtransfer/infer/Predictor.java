package dev.tfjtransfer.infer;

import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Classifies images with a model in inference mode, after a deterministic preprocessing pipeline
 * (by default the eval transforms of the architecture's published weights, {@link
 * dev.tfjtransfer.zoo.Architecture#eval()}), optionally averaging over test-time augmented views.
 */
public final class Predictor {
  private final Model model;
  private final Pipeline pipeline;
  private final int batchSize;
  private final TestTimeAugmentation tta;

  /**
   * @param batchSize views per forward pass
   * @param tta the views per image; with more than one, a prediction's probabilities are the mean
   *     of the views' softmax and its logits the mean of their logits
   */
  public Predictor(Model model, Pipeline pipeline, int batchSize, TestTimeAugmentation tta) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be positive; received: batchSize=" + batchSize);
    }
    long h = model.images().shape().get(1);
    long w = model.images().shape().get(2);
    if (h != pipeline.size() || w != pipeline.size()) {
      throw new IllegalArgumentException("the pipeline makes " + pipeline.size() + "x" + pipeline.size()
          + " images but the model was built for " + h + "x" + w);
    }
    this.model = model;
    this.pipeline = pipeline;
    this.batchSize = batchSize;
    this.tta = tta;
  }

  public Predictor(Model model, Pipeline pipeline, int batchSize) {
    this(model, pipeline, batchSize, TestTimeAugmentation.NONE);
  }

  /** With the eval transforms of the model's zoo architecture. */
  public Predictor(Model model) {
    this(model, Pipeline.imagenetEval(ModelZoo.architecture(model.architecture()).eval()), 16);
  }

  public List<Prediction> predict(List<RgbImage> images) {
    int per = pipeline.floatsPerImage();
    int views = tta.views();
    float[] all = new float[images.size() * views * per];
    for (int i = 0; i < images.size(); i++) {
      tta.write(images.get(i), pipeline, all, i * views * per);
    }
    float[] logits = logitsOf(all, images.size() * views);
    List<Prediction> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      out.add(Prediction.ofViews(logits, i * views, views, model.numOutputs()));
    }
    return out;
  }

  /** The logits of {@code rows} images, {@code batchSize} per forward pass. */
  private float[] logitsOf(float[] images, int rows) {
    int per = pipeline.floatsPerImage();
    int classes = model.numOutputs();
    float[] out = new float[rows * classes];
    for (int start = 0; start < rows; start += batchSize) {
      int n = Math.min(batchSize, rows - start);
      float[] logits = model.predict(Arrays.copyOfRange(images, start * per, (start + n) * per), n);
      System.arraycopy(logits, 0, out, start * classes, n * classes);
    }
    return out;
  }
}
