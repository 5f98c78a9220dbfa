package dev.tfjtransfer.infer;

import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Classifies images with a model in inference mode, after a deterministic preprocessing pipeline
 * (by default the eval transforms of the architecture's published weights, {@link
 * dev.tfjtransfer.zoo.Architecture#eval()}).
 */
public final class Predictor {
  private final Model model;
  private final Pipeline pipeline;
  private final int batchSize;

  public Predictor(Model model, Pipeline pipeline, int batchSize) {
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
  }

  /** With the eval transforms of the model's zoo architecture. */
  public Predictor(Model model) {
    this(model, Pipeline.imagenetEval(ModelZoo.architecture(model.architecture()).eval()), 16);
  }

  public List<Prediction> predict(List<RgbImage> images) {
    List<Prediction> out = new ArrayList<>(images.size());
    int per = pipeline.floatsPerImage();
    int classes = model.numOutputs();
    for (int start = 0; start < images.size(); start += batchSize) {
      int n = Math.min(batchSize, images.size() - start);
      float[] batch = new float[n * per];
      for (int i = 0; i < n; i++) {
        pipeline.apply(images.get(start + i), new SplittableRandom(0), batch, i * per);
      }
      float[] logits = model.predict(batch, n);
      for (int i = 0; i < n; i++) {
        out.add(Prediction.fromLogits(Arrays.copyOfRange(logits, i * classes, (i + 1) * classes)));
      }
    }
    return out;
  }
}
