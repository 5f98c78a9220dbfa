package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Model;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The tensor a replaceable head takes, one definition per architecture: the output of layer
 * {@code layer}, which module {@code consumer} reads. Everything before it is the backbone that
 * cached features, Spark's feature extraction and the export's {@code features} signature compute;
 * training on those features may update only weights inside {@code consumer}. Most families flatten
 * the pooled features at the top level ({@code flatten}, read by {@code fc} or {@code classifier});
 * torchvision's ConvNeXt keeps its LayerNorm2d and Flatten inside the classifier, so its head input
 * is {@code classifier.1}'s output, read by {@code classifier.2}.
 *
 * @param layer the layer's path, a key of {@link Model.Forward#outputs()}
 * @param consumer the module that takes it (a name prefix of the weights after it)
 */
public record HeadInput(String layer, String consumer) {
  /** The head's input [batch, width] in {@code forward}. */
  public Operand<TFloat32> of(Model.Forward forward) {
    Operand<TFloat32> output = forward.outputs().get(layer);
    if (output == null) {
      throw new IllegalStateException("the model has no layer '" + layer + "' whose output '" + consumer
          + "' takes");
    }
    return output;
  }
}
