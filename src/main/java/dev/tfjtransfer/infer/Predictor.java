package dev.tfjtransfer.infer;

import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

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
    List<RgbImage> views = new ArrayList<>(images.size() * tta.views());
    for (RgbImage image : images) {
      views.addAll(tta.views(image, pipeline));
    }
    List<float[]> logits = logitsOf(views);
    List<Prediction> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      out.add(average(logits.subList(i * tta.views(), (i + 1) * tta.views())));
    }
    return out;
  }

  private List<float[]> logitsOf(List<RgbImage> views) {
    int per = pipeline.floatsPerImage();
    int classes = model.numOutputs();
    List<float[]> out = new ArrayList<>(views.size());
    for (int start = 0; start < views.size(); start += batchSize) {
      int n = Math.min(batchSize, views.size() - start);
      float[] batch = new float[n * per];
      for (int i = 0; i < n; i++) {
        pipeline.write(views.get(start + i), new SplittableRandom(0), batch, i * per);
      }
      float[] logits = model.predict(batch, n);
      for (int i = 0; i < n; i++) {
        out.add(Arrays.copyOfRange(logits, i * classes, (i + 1) * classes));
      }
    }
    return out;
  }

  private static Prediction average(List<float[]> viewLogits) {
    if (viewLogits.size() == 1) {
      return Prediction.fromLogits(viewLogits.get(0));
    }
    int classes = viewLogits.get(0).length;
    double[] logits = new double[classes];
    double[] probabilities = new double[classes];
    for (float[] v : viewLogits) {
      float[] p = Prediction.softmax(v);
      for (int c = 0; c < classes; c++) {
        logits[c] += v[c];
        probabilities[c] += p[c];
      }
    }
    float[] meanLogits = new float[classes];
    float[] meanProbabilities = new float[classes];
    for (int c = 0; c < classes; c++) {
      meanLogits[c] = (float) (logits[c] / viewLogits.size());
      meanProbabilities[c] = (float) (probabilities[c] / viewLogits.size());
    }
    return new Prediction(meanLogits, meanProbabilities);
  }
}
