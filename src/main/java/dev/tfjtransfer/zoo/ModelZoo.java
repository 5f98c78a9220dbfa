package dev.tfjtransfer.zoo;

import static dev.tfjtransfer.data.Interpolation.BICUBIC;
import static dev.tfjtransfer.data.Interpolation.BILINEAR;

import dev.tfjtransfer.data.Interpolation;
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
      new Architecture("mobilenet_v2", "mobilenet_v2", MobileNetV2::new, MobileNetV2::headPrefix,
          EvalPreset.IMAGENET_224, 3_504_872L, TORCHVISION + "mobilenet_v2-b0353104.pth", "b0353104"),
      new Architecture("mobilenet_v3_small", "mobilenet_v3",
          head -> new MobileNetV3(MobileNetV3.Variant.SMALL, head), MobileNetV3::headPrefix,
          EvalPreset.IMAGENET_224, 2_542_856L, TORCHVISION + "mobilenet_v3_small-047dcff4.pth", "047dcff4"),
      new Architecture("mobilenet_v3_large", "mobilenet_v3",
          head -> new MobileNetV3(MobileNetV3.Variant.LARGE, head), MobileNetV3::headPrefix,
          EvalPreset.IMAGENET_224, 5_483_032L, TORCHVISION + "mobilenet_v3_large-8738ca79.pth", "8738ca79"),
      efficientNet("efficientnet_b0", EfficientNet.Variant.B0, 256, 224, BICUBIC, 5_288_548L,
          "efficientnet_b0_rwightman-3dd342df.pth"),
      efficientNet("efficientnet_b1", EfficientNet.Variant.B1, 256, 240, BICUBIC, 7_794_184L,
          "efficientnet_b1_rwightman-533bc792.pth"),
      efficientNet("efficientnet_b2", EfficientNet.Variant.B2, 288, 288, BICUBIC, 9_109_994L,
          "efficientnet_b2_rwightman-bcdf34b7.pth"),
      efficientNet("efficientnet_b3", EfficientNet.Variant.B3, 320, 300, BICUBIC, 12_233_232L,
          "efficientnet_b3_rwightman-cf984f9c.pth"),
      efficientNet("efficientnet_b4", EfficientNet.Variant.B4, 384, 380, BICUBIC, 19_341_616L,
          "efficientnet_b4_rwightman-7eb33cd5.pth"),
      efficientNet("efficientnet_b5", EfficientNet.Variant.B5, 456, 456, BICUBIC, 30_389_784L,
          "efficientnet_b5_lukemelas-b6417697.pth"),
      efficientNet("efficientnet_b6", EfficientNet.Variant.B6, 528, 528, BICUBIC, 43_040_704L,
          "efficientnet_b6_lukemelas-c76e70fd.pth"),
      efficientNet("efficientnet_b7", EfficientNet.Variant.B7, 600, 600, BICUBIC, 66_347_960L,
          "efficientnet_b7_lukemelas-dcc49843.pth"),
      // torchvision 0.14 records bilinear for the V2 weights (B0-B7: bicubic)
      efficientNet("efficientnet_v2_s", EfficientNet.Variant.V2_S, 384, 384, BILINEAR, 21_458_488L,
          "efficientnet_v2_s-dd5fe13b.pth"),
      efficientNet("efficientnet_v2_m", EfficientNet.Variant.V2_M, 480, 480, BILINEAR, 54_139_356L,
          "efficientnet_v2_m-dc08266a.pth"),
      // Keras' ResNet50 weights (caffe preprocessing recorded in the converted file's metadata)
      new Architecture("resnet50_keras", "resnet50_keras", ResNet50Keras::new, head -> "predictions",
          EvalPreset.IMAGENET_224, 25_583_592L,
          "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
              + "resnet50_weights_tf_dim_ordering_tf_kernels.h5", ""));

  /** A row of the EfficientNet family; {@code file} is the weights' name, ending in its hash prefix. */
  private static Architecture efficientNet(String name, EfficientNet.Variant variant, int resize, int crop,
      Interpolation interpolation, long parameters, String file) {
    return new Architecture(name, "efficientnet", head -> new EfficientNet(variant, head), EfficientNet::headPrefix,
        EvalPreset.imagenet(resize, crop, interpolation), parameters, TORCHVISION + file,
        file.substring(file.lastIndexOf('-') + 1, file.length() - ".pth".length()));
  }

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
