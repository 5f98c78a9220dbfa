package dev.tfjtransfer.zoo;

import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Normalization;
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
  /** ImageNet input size the zoo builds for unless told otherwise. */
  public static final int DEFAULT_IMAGE_SIZE = 224;

  private static final String TORCHVISION = "https://download.pytorch.org/models/";
  private static final Function<HeadSpec, String> FC = head -> "fc";
  /** The weights' recipe resized to 232 before the 224 crop. */
  private static final EvalPreset RESIZE_232 = new EvalPreset(232, 224, Interpolation.BILINEAR, Normalization.IMAGENET);

  /** Every architecture, in the order listings show them. The next variant is one row. */
  private static final List<Architecture> TABLE = List.of(
      new Architecture("vgg16", "vgg", Vgg16::new, head -> head.isMlp() ? "classifier" : "classifier.6",
          EvalPreset.IMAGENET_224, 138_357_544L, TORCHVISION + "vgg16-397923af.pth", "397923af"),
      new Architecture("resnet18", "resnet", head -> new ResNet(ResNet.Variant.RESNET18, head), FC,
          EvalPreset.IMAGENET_224, 11_689_512L, TORCHVISION + "resnet18-f37072fd.pth", "f37072fd"),
      new Architecture("resnet34", "resnet", head -> new ResNet(ResNet.Variant.RESNET34, head), FC,
          EvalPreset.IMAGENET_224, 21_797_672L, TORCHVISION + "resnet34-b627a593.pth", "b627a593"),
      new Architecture("resnet50", "resnet", head -> new ResNet(ResNet.Variant.RESNET50, head), FC,
          EvalPreset.IMAGENET_224, 25_557_032L, TORCHVISION + "resnet50-0676ba61.pth", "0676ba61"),
      new Architecture("resnet101", "resnet", head -> new ResNet(ResNet.Variant.RESNET101, head), FC,
          EvalPreset.IMAGENET_224, 44_549_160L, TORCHVISION + "resnet101-63fe2227.pth", "63fe2227"),
      new Architecture("resnet152", "resnet", head -> new ResNet(ResNet.Variant.RESNET152, head), FC,
          EvalPreset.IMAGENET_224, 60_192_808L, TORCHVISION + "resnet152-394f9c45.pth", "394f9c45"),
      new Architecture("resnext50_32x4d", "resnet", head -> new ResNet(ResNet.Variant.RESNEXT50_32X4D, head), FC,
          EvalPreset.IMAGENET_224, 25_028_904L, TORCHVISION + "resnext50_32x4d-7cdf4587.pth", "7cdf4587"),
      new Architecture("resnext101_32x8d", "resnet", head -> new ResNet(ResNet.Variant.RESNEXT101_32X8D, head), FC,
          EvalPreset.IMAGENET_224, 88_791_336L, TORCHVISION + "resnext101_32x8d-8ba56ff5.pth", "8ba56ff5"),
      new Architecture("resnext101_64x4d", "resnet", head -> new ResNet(ResNet.Variant.RESNEXT101_64X4D, head), FC,
          RESIZE_232, 83_455_272L, TORCHVISION + "resnext101_64x4d-173b62eb.pth", "173b62eb"),
      new Architecture("wide_resnet50_2", "resnet", head -> new ResNet(ResNet.Variant.WIDE_RESNET50_2, head), FC,
          EvalPreset.IMAGENET_224, 68_883_240L, TORCHVISION + "wide_resnet50_2-95faca4d.pth", "95faca4d"),
      new Architecture("wide_resnet101_2", "resnet", head -> new ResNet(ResNet.Variant.WIDE_RESNET101_2, head), FC,
          EvalPreset.IMAGENET_224, 126_886_696L, TORCHVISION + "wide_resnet101_2-32ee1156.pth", "32ee1156"),
      new Architecture("densenet121", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET121, head),
          head -> "classifier", EvalPreset.IMAGENET_224, 7_978_856L, TORCHVISION + "densenet121-a639ec97.pth", "a639ec97"),
      new Architecture("densenet161", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET161, head),
          head -> "classifier", EvalPreset.IMAGENET_224, 28_681_000L, TORCHVISION + "densenet161-8d451a50.pth", "8d451a50"),
      new Architecture("densenet169", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET169, head),
          head -> "classifier", EvalPreset.IMAGENET_224, 14_149_480L, TORCHVISION + "densenet169-b2777c0a.pth", "b2777c0a"),
      new Architecture("densenet201", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET201, head),
          head -> "classifier", EvalPreset.IMAGENET_224, 20_013_928L, TORCHVISION + "densenet201-c1103571.pth", "c1103571"),
      // Keras' ResNet50 weights (caffe preprocessing recorded in the converted file's metadata)
      new Architecture("resnet50_keras", "resnet50_keras", ResNet50Keras::new, head -> "predictions",
          EvalPreset.IMAGENET_224, 25_583_592L,
          "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
              + "resnet50_weights_tf_dim_ordering_tf_kernels.h5", ""));

  private static final Map<String, Architecture> BY_NAME = TABLE.stream()
      .collect(Collectors.toMap(Architecture::name, a -> a, (a, b) -> a, LinkedHashMap::new));

  public static final List<String> ARCHITECTURES = List.copyOf(BY_NAME.keySet());

  private ModelZoo() {}

  public static Model create(String architecture, HeadSpec head) {
    return create(architecture, head, DEFAULT_IMAGE_SIZE, DEFAULT_IMAGE_SIZE, SessionOptions.defaults());
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
