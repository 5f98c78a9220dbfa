package dev.tfjtransfer.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.Augmentations;
import dev.tfjtransfer.data.Augmentations.Range;
import dev.tfjtransfer.data.AutoAugment;
import dev.tfjtransfer.data.ImageTransform;
import dev.tfjtransfer.data.Resample;
import dev.tfjtransfer.data.TensorTransform;
import java.util.List;
import org.junit.jupiter.api.Test;

class AugmentConfigTest {
  private static final String ALL = """
      data:
        train_transforms:
          - random_resized_crop: {size: 64}
          - color_jitter: {brightness: 0.4, contrast: [0.5, 1.5], saturation: 0.4, hue: 0.1}
          - random_rotation: {degrees: 15, interpolation: bilinear, expand: true, center: [3, 4], fill: [1, 2, 3]}
          - vertical_flip: {p: 0.2}
          - random_grayscale: {}
          - random_affine: {degrees: [-5, 10], translate: [0.1, 0.2], scale: [0.9, 1.1], shear: [1, 2, 3, 4]}
          - gaussian_blur: {kernel_size: [3, 5], sigma: 1.5}
          - trivial_augment_wide: {}
          - rand_augment: {num_ops: 3, magnitude: 12}
          - random_erasing: {p: 0.25, value: random}
      """;

  private static ConfigException fails(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "cfg.yaml", List.of()));
  }

  private static String train(String entry) {
    return "data:\n  train_transforms:\n    - random_resized_crop: {size: 64}\n    - " + entry + "\n";
  }

  @Test
  void everyAugmentationBuildsFromYamlWithTorchvisionsArguments() {
    List<TransformConfig> configs = ConfigLoader.parse(ALL, "cfg.yaml", List.of()).data().trainTransforms();
    List<ImageTransform> image = TransformConfigs.toTransforms(configs);
    assertEquals(9, image.size());
    Augmentations.ColorJitter jitter = assertInstanceOf(Augmentations.ColorJitter.class, image.get(1));
    assertEquals(new Range(0.6, 1.4), jitter.brightness());
    assertEquals(new Range(0.5, 1.5), jitter.contrast());
    assertEquals(new Range(-0.1, 0.1), jitter.hue());
    Augmentations.RandomRotation rotation = assertInstanceOf(Augmentations.RandomRotation.class, image.get(2));
    assertEquals(new Range(-15, 15), rotation.degrees());
    assertEquals(Resample.BILINEAR, rotation.resample());
    assertArrayEquals(new int[] {1, 2, 3}, rotation.fill());
    assertTrue(rotation.expand());
    assertArrayEquals(new double[] {3, 4}, rotation.center());
    assertEquals(0.2, assertInstanceOf(Augmentations.RandomVerticalFlip.class, image.get(3)).p());
    assertEquals(0.1, assertInstanceOf(Augmentations.RandomGrayscale.class, image.get(4)).p());
    Augmentations.RandomAffine affine = assertInstanceOf(Augmentations.RandomAffine.class, image.get(5));
    assertEquals(new Range(-5, 10), affine.degrees());
    assertArrayEquals(new double[] {0.1, 0.2}, affine.translate());
    assertEquals(new Range(1, 2), affine.shearX());
    assertEquals(new Range(3, 4), affine.shearY());
    Augmentations.GaussianBlur blur = assertInstanceOf(Augmentations.GaussianBlur.class, image.get(6));
    assertEquals(3, blur.kernelWidth());
    assertEquals(5, blur.kernelHeight());
    assertEquals(new Range(1.5, 1.5), blur.sigma());
    assertEquals(31, assertInstanceOf(AutoAugment.TrivialAugmentWide.class, image.get(7)).numMagnitudeBins());
    AutoAugment.RandAugment rand = assertInstanceOf(AutoAugment.RandAugment.class, image.get(8));
    assertEquals(3, rand.numOps());
    assertEquals(12, rand.magnitude());
    List<TensorTransform> tensor = TransformConfigs.toTensorTransforms(configs, "data.train_transforms");
    Augmentations.RandomErasing erasing = assertInstanceOf(Augmentations.RandomErasing.class, tensor.get(0));
    assertEquals(0.25, erasing.p());
    assertNull(erasing.value(), "value: random draws normal noise");
    assertEquals(new Range(0.02, 0.33), erasing.scale());
  }

  @Test
  void resolvedConfigRoundTripsWithDefaultsFilledIn() {
    RunConfig config = ConfigLoader.parse(ALL, "cfg.yaml", List.of());
    String yaml = ConfigLoader.toYaml(config);
    assertTrue(yaml.contains("num_magnitude_bins: 31") && yaml.contains("interpolation: \"nearest\""), yaml);
    assertEquals(config, ConfigLoader.parse(yaml, "resolved.yaml", List.of()));
  }

  @Test
  void misspelledArgumentNamesTheClosestKeyAndUnknownTransformListsTheValidOnes() {
    ConfigException arg = fails(train("color_jitter: {brightnes: 0.4}"));
    assertTrue(arg.getMessage().startsWith("cfg.yaml line 4: unknown key") && arg.getMessage().contains(
        "did you mean 'brightness'?"), arg.getMessage());
    ConfigException name = fails(train("trivial_augment: {}"));
    assertTrue(name.getMessage().startsWith("cfg.yaml line 5: each transform is one of") && name.getMessage()
        .contains("trivial_augment_wide, rand_augment, random_erasing; received none of them"), name.getMessage());
    assertTrue(fails(train("trivial_augment_wide:")).getMessage().contains("trivial_augment_wide: expected a mapping"));
  }

  @Test
  void badValuesNameTheKeyAndWhatWasExpected() {
    assertTrue(fails(train("color_jitter: {hue: 0.7}")).getMessage()
        .contains("color_jitter.hue must be in [0, 0.5]; received: 0.7"));
    assertTrue(fails(train("random_rotation: {degrees: 10, interpolation: bicubic}")).getMessage()
        .contains("random_rotation.interpolation must be one of nearest, bilinear; received: bicubic"));
    assertTrue(fails(train("random_rotation: {}")).getMessage().contains("random_rotation.degrees is required"));
    assertTrue(fails(train("rand_augment: {magnitude: 31}")).getMessage()
        .contains("rand_augment.magnitude must be in [0, 30]; received: 31"));
    assertTrue(fails(train("gaussian_blur: {kernel_size: 4}")).getMessage()
        .contains("gaussian_blur.kernel_size must be odd and positive"));
    assertTrue(fails(train("random_erasing: {value: noise}")).getMessage()
        .contains("random_erasing.value must be a number, three numbers or 'random'; received: noise"));
    String erasingFirst = "data:\n  train_transforms:\n    - random_erasing: {}\n    - random_resized_crop: {size: 64}\n";
    assertTrue(fails(erasingFirst).getMessage().contains("data.train_transforms: random_erasing works on the"
        + " normalized tensor and must come after every image transform"));
  }
}
