package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import java.util.List;

/**
 * The architectures by their torchvision names, and timm-style hooks: which parameters form the
 * classifier, for freezing "everything but the head" and for loading ImageNet weights into a
 * model with a new head.
 */
public final class ModelZoo {
  /** ImageNet input size the zoo builds for unless told otherwise. */
  public static final int DEFAULT_IMAGE_SIZE = 224;

  public static final List<String> ARCHITECTURES = List.of("vgg16", "resnet18", "resnet34", "resnet50",
      "resnet50_keras");

  private ModelZoo() {}

  public static Model create(String architecture, HeadSpec head) {
    return create(architecture, head, DEFAULT_IMAGE_SIZE, DEFAULT_IMAGE_SIZE, SessionOptions.defaults());
  }

  public static Model create(String architecture, HeadSpec head, long height, long width, SessionOptions options) {
    return Model.build(architecture, layers(architecture, head), height, width, options);
  }

  /** The root layer of {@code architecture} with {@code head}. */
  public static Layer layers(String architecture, HeadSpec head) {
    return switch (architecture) {
      case "vgg16" -> new Vgg16(head);
      case "resnet18" -> new ResNet(ResNet.Depth.RESNET18, head);
      case "resnet34" -> new ResNet(ResNet.Depth.RESNET34, head);
      case "resnet50" -> new ResNet(ResNet.Depth.RESNET50, head);
      case "resnet50_keras" -> new ResNet50Keras(head);
      default -> throw new IllegalArgumentException("unknown architecture '" + architecture + "'; expected one of "
          + ARCHITECTURES);
    };
  }

  /**
   * Name prefix of the parameters a head replacement creates: {@code classifier.6} / {@code fc}
   * for a linear head, the whole {@code classifier} / {@code fc} for an MLP head.
   */
  public static String headPrefix(String architecture, HeadSpec head) {
    if (architecture.startsWith("vgg")) {
      return head.isMlp() ? "classifier" : "classifier.6";
    }
    if (architecture.equals("resnet50_keras")) {
      return "predictions";
    }
    if (architecture.startsWith("resnet")) {
      return "fc";
    }
    throw new IllegalArgumentException("unknown architecture '" + architecture + "'; expected one of " + ARCHITECTURES);
  }
}
