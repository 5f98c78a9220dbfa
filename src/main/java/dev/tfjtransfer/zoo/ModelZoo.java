package dev.tfjtransfer.zoo;

import static dev.tfjtransfer.data.Interpolation.BICUBIC;
import static dev.tfjtransfer.data.Interpolation.BILINEAR;

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
  private static final String TORCHVISION = "https://download.pytorch.org/models/";
  private static final Function<HeadSpec, String> FC = head -> "fc";
  private static final HeadInput INTO_FC = PooledClassifier.headInput("fc");
  private static final HeadInput INTO_CLASSIFIER = PooledClassifier.headInput("classifier");
  // the weights' recipes that resize to other sizes before the 224 crop
  private static final EvalPreset RESIZE_230 = new EvalPreset(230, 224, Interpolation.BILINEAR, Normalization.IMAGENET);
  private static final EvalPreset RESIZE_232 = new EvalPreset(232, 224, Interpolation.BILINEAR, Normalization.IMAGENET);
  private static final EvalPreset RESIZE_236 = new EvalPreset(236, 224, Interpolation.BILINEAR, Normalization.IMAGENET);
  private static final EvalPreset SWAG_384 = new EvalPreset(384, 384, Interpolation.BICUBIC, Normalization.IMAGENET);

  /** Every architecture, in the order listings show them. The next variant is one row. */
  private static final List<Architecture> TABLE = List.of(
      new Architecture("vgg16", "vgg", Vgg16::new, head -> head.isMlp() ? "classifier" : "classifier.6",
          INTO_CLASSIFIER, EvalPreset.IMAGENET_224, 138_357_544L, TORCHVISION + "vgg16-397923af.pth", "397923af"),
      new Architecture("resnet18", "resnet", head -> new ResNet(ResNet.Variant.RESNET18, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 11_689_512L, TORCHVISION + "resnet18-f37072fd.pth", "f37072fd"),
      new Architecture("resnet34", "resnet", head -> new ResNet(ResNet.Variant.RESNET34, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 21_797_672L, TORCHVISION + "resnet34-b627a593.pth", "b627a593"),
      new Architecture("resnet50", "resnet", head -> new ResNet(ResNet.Variant.RESNET50, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 25_557_032L, TORCHVISION + "resnet50-0676ba61.pth", "0676ba61"),
      new Architecture("mobilenet_v2", "mobilenet_v2", MobileNetV2::new, PooledClassifier::dropoutLinearPrefix,
          INTO_CLASSIFIER, EvalPreset.IMAGENET_224, 3_504_872L, TORCHVISION + "mobilenet_v2-b0353104.pth", "b0353104"),
      new Architecture("mobilenet_v3_small", "mobilenet_v3",
          head -> new MobileNetV3(MobileNetV3.Variant.SMALL, head), MobileNetV3::headPrefix, INTO_CLASSIFIER,
          EvalPreset.IMAGENET_224, 2_542_856L, TORCHVISION + "mobilenet_v3_small-047dcff4.pth", "047dcff4"),
      new Architecture("mobilenet_v3_large", "mobilenet_v3",
          head -> new MobileNetV3(MobileNetV3.Variant.LARGE, head), MobileNetV3::headPrefix, INTO_CLASSIFIER,
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
      new Architecture("resnet101", "resnet", head -> new ResNet(ResNet.Variant.RESNET101, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 44_549_160L, TORCHVISION + "resnet101-63fe2227.pth", "63fe2227"),
      new Architecture("resnet152", "resnet", head -> new ResNet(ResNet.Variant.RESNET152, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 60_192_808L, TORCHVISION + "resnet152-394f9c45.pth", "394f9c45"),
      new Architecture("resnext50_32x4d", "resnet", head -> new ResNet(ResNet.Variant.RESNEXT50_32X4D, head),
          FC, INTO_FC, EvalPreset.IMAGENET_224, 25_028_904L, TORCHVISION + "resnext50_32x4d-7cdf4587.pth", "7cdf4587"),
      new Architecture("resnext101_32x8d", "resnet", head -> new ResNet(ResNet.Variant.RESNEXT101_32X8D, head),
          FC, INTO_FC, EvalPreset.IMAGENET_224, 88_791_336L, TORCHVISION + "resnext101_32x8d-8ba56ff5.pth", "8ba56ff5"),
      new Architecture("resnext101_64x4d", "resnet", head -> new ResNet(ResNet.Variant.RESNEXT101_64X4D, head),
          FC, INTO_FC, RESIZE_232, 83_455_272L, TORCHVISION + "resnext101_64x4d-173b62eb.pth", "173b62eb"),
      new Architecture("wide_resnet50_2", "resnet", head -> new ResNet(ResNet.Variant.WIDE_RESNET50_2, head),
          FC, INTO_FC, EvalPreset.IMAGENET_224, 68_883_240L, TORCHVISION + "wide_resnet50_2-95faca4d.pth", "95faca4d"),
      new Architecture("wide_resnet101_2", "resnet", head -> new ResNet(ResNet.Variant.WIDE_RESNET101_2, head),
          FC, INTO_FC, EvalPreset.IMAGENET_224, 126_886_696L,
          TORCHVISION + "wide_resnet101_2-32ee1156.pth", "32ee1156"),
      new Architecture("densenet121", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET121, head),
          head -> "classifier", INTO_CLASSIFIER, EvalPreset.IMAGENET_224, 7_978_856L,
          TORCHVISION + "densenet121-a639ec97.pth", "a639ec97"),
      new Architecture("densenet161", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET161, head),
          head -> "classifier", INTO_CLASSIFIER, EvalPreset.IMAGENET_224, 28_681_000L,
          TORCHVISION + "densenet161-8d451a50.pth", "8d451a50"),
      new Architecture("densenet169", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET169, head),
          head -> "classifier", INTO_CLASSIFIER, EvalPreset.IMAGENET_224, 14_149_480L,
          TORCHVISION + "densenet169-b2777c0a.pth", "b2777c0a"),
      new Architecture("densenet201", "densenet", head -> new DenseNet(DenseNet.Variant.DENSENET201, head),
          head -> "classifier", INTO_CLASSIFIER, EvalPreset.IMAGENET_224, 20_013_928L,
          TORCHVISION + "densenet201-c1103571.pth", "c1103571"),
      new Architecture("convnext_tiny", "convnext", head -> new ConvNeXt(ConvNeXt.Variant.CONVNEXT_TINY, head),
          head -> "classifier.2", ConvNeXt.HEAD_INPUT, RESIZE_236, 28_589_128L,
          TORCHVISION + "convnext_tiny-983f1562.pth", "983f1562"),
      new Architecture("convnext_small", "convnext", head -> new ConvNeXt(ConvNeXt.Variant.CONVNEXT_SMALL, head),
          head -> "classifier.2", ConvNeXt.HEAD_INPUT, RESIZE_230, 50_223_688L,
          TORCHVISION + "convnext_small-0c510722.pth", "0c510722"),
      new Architecture("convnext_base", "convnext", head -> new ConvNeXt(ConvNeXt.Variant.CONVNEXT_BASE, head),
          head -> "classifier.2", ConvNeXt.HEAD_INPUT, RESIZE_232, 88_591_464L,
          TORCHVISION + "convnext_base-6075fbad.pth", "6075fbad"),
      new Architecture("convnext_large", "convnext", head -> new ConvNeXt(ConvNeXt.Variant.CONVNEXT_LARGE, head),
          head -> "classifier.2", ConvNeXt.HEAD_INPUT, RESIZE_232, 197_767_336L,
          TORCHVISION + "convnext_large-ea097f82.pth", "ea097f82"),
      new Architecture("regnet_y_400mf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_400MF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 4_344_144L, TORCHVISION + "regnet_y_400mf-c65dace8.pth", "c65dace8"),
      new Architecture("regnet_y_800mf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_800MF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 6_432_512L, TORCHVISION + "regnet_y_800mf-1b27b58c.pth", "1b27b58c"),
      new Architecture("regnet_y_1_6gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_1_6GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 11_202_430L, TORCHVISION + "regnet_y_1_6gf-b11a554e.pth", "b11a554e"),
      new Architecture("regnet_y_3_2gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_3_2GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 19_436_338L, TORCHVISION + "regnet_y_3_2gf-b5a9779c.pth", "b5a9779c"),
      new Architecture("regnet_y_8gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_8GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 39_381_472L, TORCHVISION + "regnet_y_8gf-d0d0e4a8.pth", "d0d0e4a8"),
      new Architecture("regnet_y_16gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_16GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 83_590_140L, TORCHVISION + "regnet_y_16gf-9e6ed7dd.pth", "9e6ed7dd"),
      new Architecture("regnet_y_32gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_32GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 145_046_770L, TORCHVISION + "regnet_y_32gf-4dee3f7a.pth", "4dee3f7a"),
      // no IMAGENET1K_V1 weights: SWAG end-to-end fine-tuned at 384, bicubic
      new Architecture("regnet_y_128gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_Y_128GF, head), FC, INTO_FC,
          SWAG_384, 644_812_894L, TORCHVISION + "regnet_y_128gf_swag-c8ce3e52.pth", "c8ce3e52"),
      new Architecture("regnet_x_400mf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_400MF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 5_495_976L, TORCHVISION + "regnet_x_400mf-adf1edd5.pth", "adf1edd5"),
      new Architecture("regnet_x_800mf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_800MF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 7_259_656L, TORCHVISION + "regnet_x_800mf-ad17e45c.pth", "ad17e45c"),
      new Architecture("regnet_x_1_6gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_1_6GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 9_190_136L, TORCHVISION + "regnet_x_1_6gf-e3633e7f.pth", "e3633e7f"),
      new Architecture("regnet_x_3_2gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_3_2GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 15_296_552L, TORCHVISION + "regnet_x_3_2gf-f342aeae.pth", "f342aeae"),
      new Architecture("regnet_x_8gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_8GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 39_572_648L, TORCHVISION + "regnet_x_8gf-03ceed89.pth", "03ceed89"),
      new Architecture("regnet_x_16gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_16GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 54_278_536L, TORCHVISION + "regnet_x_16gf-2007eb11.pth", "2007eb11"),
      new Architecture("regnet_x_32gf", "regnet", head -> new RegNet(RegNet.Variant.REGNET_X_32GF, head), FC, INTO_FC,
          EvalPreset.IMAGENET_224, 107_811_560L, TORCHVISION + "regnet_x_32gf-9d47f8d0.pth", "9d47f8d0"),
      // Keras' ResNet50 weights (caffe preprocessing recorded in the converted file's metadata)
      new Architecture("resnet50_keras", "resnet50_keras", ResNet50Keras::new, head -> "predictions",
          PooledClassifier.headInput("predictions"), EvalPreset.IMAGENET_224, 25_583_592L,
          "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
              + "resnet50_weights_tf_dim_ordering_tf_kernels.h5", ""));

  /** A row of the EfficientNet family; {@code file} is the weights' name, ending in its hash prefix. */
  private static Architecture efficientNet(String name, EfficientNet.Variant variant, int resize, int crop,
      Interpolation interpolation, long parameters, String file) {
    return new Architecture(name, "efficientnet", head -> new EfficientNet(variant, head),
        PooledClassifier::dropoutLinearPrefix, INTO_CLASSIFIER, EvalPreset.imagenet(resize, crop, interpolation),
        parameters, TORCHVISION + file,
        file.substring(file.lastIndexOf('-') + 1, file.length() - ".pth".length()));
  }

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

  /** The tensor {@code architecture}'s replaceable head takes (cached and exported features). */
  public static HeadInput headInput(String architecture) {
    return architecture(architecture).headInput();
  }

  /**
   * Name prefix of the parameters a head replacement creates: {@code classifier.6} / {@code fc}
   * for a linear head, the whole {@code classifier} / {@code fc} for an MLP head.
   */
  public static String headPrefix(String architecture, HeadSpec head) {
    return architecture(architecture).headPrefix().apply(head);
  }
}
