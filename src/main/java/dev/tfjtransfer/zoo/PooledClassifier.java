package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.AdaptiveAvgPool2d;
import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Dropout;
import dev.tfjtransfer.nn.Flatten;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.LayerContext;
import dev.tfjtransfer.nn.Sequential;
import java.util.List;
import java.util.function.IntFunction;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * torchvision's forward after the feature extractor: adaptive average pooling, {@code
 * torch.flatten(x, 1)} and the classifier built for a {@link HeadSpec}, either the pretrained
 * model's classifier sized for N classes or the MLP head on {@code pool x pool} features.
 * Unnamed, so the pool, {@value #FLATTEN} and the classifier keep torchvision's top-level names
 * ({@code avgpool}, {@code classifier.1}, {@code fc.weight}).
 */
final class PooledClassifier extends Layer {
  /** The flatten layer: its output is the head's input. */
  private static final String FLATTEN = "flatten";

  private final AdaptiveAvgPool2d avgpool;
  private final Flatten flatten = new Flatten(FLATTEN);
  private final Layer classifier;

  /**
   * @param poolName the pool's attribute name ({@code avgpool})
   * @param classifierName the classifier's attribute name ({@code classifier})
   * @param channels the feature extractor's output channels
   * @param pretrainedPool the pooled size the pretrained classifier takes (VGG: 7, the others: 1)
   * @param pretrainedClassifier the pretrained classifier for N classes, named {@code classifierName}
   */
  static PooledClassifier of(String poolName, String classifierName, long channels, HeadSpec head,
      int pretrainedPool, IntFunction<Layer> pretrainedClassifier) {
    if (head.isMlp()) {
      return new PooledClassifier(new AdaptiveAvgPool2d(poolName, head.pool(), head.pool()),
          Heads.mlp(classifierName, channels * head.pool() * head.pool(), head));
    }
    Layer classifier = pretrainedClassifier.apply(head.numClasses());
    if (!classifier.name().equals(classifierName)) {
      throw new IllegalArgumentException("the pretrained classifier must be named '" + classifierName
          + "'; received: " + classifier.name());
    }
    return new PooledClassifier(new AdaptiveAvgPool2d(poolName, pretrainedPool, pretrainedPool), classifier);
  }

  /** The head's input of a model whose classifier is named {@code classifierName}. */
  static HeadInput headInput(String classifierName) {
    return new HeadInput(FLATTEN, classifierName);
  }

  /** Global average pooling and a single {@code Linear(channels, N)}, or the MLP head: ResNet's {@code fc}. */
  static PooledClassifier linear(String poolName, String classifierName, long channels, HeadSpec head) {
    return of(poolName, classifierName, channels, head, 1, n -> new Dense(classifierName, channels, n));
  }

  /**
   * MobileNetV2's and EfficientNet's head: pooling and {@code classifier = Sequential(Dropout,
   * Linear(channels, N))}, or the MLP head.
   */
  static PooledClassifier dropoutLinear(long channels, HeadSpec head, float dropout) {
    return of("avgpool", "classifier", channels, head, 1,
        n -> new Sequential("classifier", new Dropout("0", dropout), new Dense("1", channels, n)));
  }

  /** The module {@link #dropoutLinear}'s head replacement creates: {@code classifier.1}, or the whole MLP head. */
  static String dropoutLinearPrefix(HeadSpec head) {
    return head.isMlp() ? "classifier" : "classifier.1";
  }

  private PooledClassifier(AdaptiveAvgPool2d avgpool, Layer classifier) {
    super("");
    this.avgpool = avgpool;
    this.classifier = classifier;
  }

  @Override
  public List<Layer> children() {
    return List.of(avgpool, classifier);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return classifier.apply(context, flatten.apply(context, avgpool.apply(context, input)));
  }
}
