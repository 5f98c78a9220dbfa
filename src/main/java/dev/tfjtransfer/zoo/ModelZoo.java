package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The architectures by their torchvision names, and timm-style hooks: which parameters form the
 * classifier, for freezing "everything but the head" and for loading ImageNet weights into a
 * model with a new head.
 */
public final class ModelZoo {
  /** The layer whose output is the head's input in every architecture (cached or extracted features). */
  public static final String HEAD_INPUT = "flatten";


  private static final String TORCHVISION = "https://download.pytorch.org/models/";
  private static final Function<HeadSpec, String> FC = head -> "fc";

  /** Every architecture, in the order listings show them. The next variant is one row. */
  private static final List<Architecture> TABLE = List.of(
      new Architecture("vgg16", "vgg", Vgg16::new, head -> head.isMlp() ? "classifier" : "classifier.6",
          EvalPreset.IMAGENET_224, 138_357_544L, TORCHVISION + "vgg16-397923af.pth", "397923af"),
      new Architecture("resnet18", "resnet", head -> new ResNet(ResNet.Depth.RESNET18, head), FC,
          EvalPreset.IMAGENET_224, 11_689_512L, TORCHVISION + "resnet18-f37072fd.pth", "f37072fd"),
      new Architecture("resnet34", "resnet", head -> new ResNet(ResNet.Depth.RESNET34, head), FC,
          EvalPreset.IMAGENET_224, 21_797_672L, TORCHVISION + "resnet34-b627a593.pth", "b627a593"),
      new Architecture("resnet50", "resnet", head -> new ResNet(ResNet.Depth.RESNET50, head), FC,
          EvalPreset.IMAGENET_224, 25_557_032L, TORCHVISION + "resnet50-0676ba61.pth", "0676ba61"),
      // Keras' ResNet50 weights (caffe preprocessing recorded in the converted file's metadata)
      new Architecture("resnet50_keras", "resnet50_keras", ResNet50Keras::new, head -> "predictions",
          EvalPreset.IMAGENET_224, 25_583_592L,
          "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
              + "resnet50_weights_tf_dim_ordering_tf_kernels.h5", ""));

  private static final Map<String, Architecture> BY_NAME = TABLE.stream()
      .collect(Collectors.toMap(Architecture::name, a -> a, (a, b) -> a, LinkedHashMap::new));

  public static final List<String> ARCHITECTURES = List.copyOf(BY_NAME.keySet());

  private ModelZoo() {}

  /** The model for inputs of its eval preset's crop size (224 for most, 600 for efficientnet_b7). */
  public static Model create(String architecture, HeadSpec head) {
    int size = architecture(architecture).eval().cropSize();
    return create(architecture, head, size, size, SessionOptions.defaults());
  }

  public static Model create(String architecture, HeadSpec head, long height, long width, SessionOptions options) {
    return Model.build(architecture, layers(architecture, head), height, width, options);
  }

  /** The zoo's row for {@code architecture}. */
  public static Architecture architecture(String architecture) {
    Architecture row = BY_NAME.get(architecture);
    if (row == null) {
      throw new IllegalArgumentException("unknown architecture '" + architecture + "'; expected one of "
          + ARCHITECTURES);
    }
    return row;
  }

  /** The root layer of {@code architecture} with {@code head}. */
  public static Layer layers(String architecture, HeadSpec head) {
    return architecture(architecture).builder().apply(head);
  }

  /**
   * Name prefix of the parameters a head replacement creates: {@code classifier.6} / {@code fc}
   * for a linear head, the whole {@code classifier} / {@code fc} for an MLP head.
   */
  public static String headPrefix(String architecture, HeadSpec head) {
    return architecture(architecture).headPrefix().apply(head);
  }
}
