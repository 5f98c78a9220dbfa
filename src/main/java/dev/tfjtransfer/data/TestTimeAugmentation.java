package dev.tfjtransfer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Test-time augmentation: the views of an image whose class probabilities a predictor averages.
 * {@code FLIP} adds the horizontal mirror of the evaluation input; {@code FIVE_CROP} and
 * {@code TEN_CROP} replace the pipeline's final CenterCrop by torchvision's {@code FiveCrop} (four
 * corners and the centre) and {@code TenCrop} (those and the five crops of the mirrored image).
 */
public enum TestTimeAugmentation {
  NONE, FLIP, FIVE_CROP, TEN_CROP;

  /** Parses {@code none}, {@code flip}, {@code five_crop} or {@code ten_crop}. */
  public static TestTimeAugmentation parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("test-time augmentation must be one of none, flip, five_crop, ten_crop;"
          + " received: " + name);
    }
  }

  /**
   * Fails with a one-line reason unless {@code pipeline} can make this mode's views: five_crop and
   * ten_crop replace a final CenterCrop, and every mode needs deterministic transforms.
   */
  public void checkApplicableTo(Pipeline pipeline) {
    if (this == NONE) {
      return;
    }
    if (!pipeline.isDeterministic()) {
      throw new IllegalArgumentException("test-time augmentation needs deterministic transforms (resize,"
          + " center_crop), not random ones");
    }
    if (this == FIVE_CROP || this == TEN_CROP) {
      pipeline.withoutFinalCenterCrop();
    }
  }

  /** How many views each image gives. */
  public int views() {
    return switch (this) {
      case NONE -> 1;
      case FLIP -> 2;
      case FIVE_CROP -> 5;
      case TEN_CROP -> 10;
    };
  }

  /**
   * Which view is the plain evaluation input (the pipeline's own output): the unflipped image, or
   * the centre crop, which torchvision's FiveCrop and TenCrop put fifth. So one pass over the views
   * also gives the plain figures.
   */
  public int plainView() {
    return this == FIVE_CROP || this == TEN_CROP ? 4 : 0;
  }

  /**
   * Writes the views of {@code image} after ToTensor and Normalize, one after the other from
   * {@code dest[offset]}: {@code views() * pipeline.floatsPerImage()} floats.
   */
  public void write(RgbImage image, Pipeline pipeline, float[] dest, int offset) {
    List<RgbImage> all = views(image, pipeline);
    for (int v = 0; v < all.size(); v++) {
      pipeline.write(all.get(v), new SplittableRandom(0), dest, offset + v * pipeline.floatsPerImage());
    }
  }

  /** The views of {@code image}, each {@code pipeline.size()} square, before ToTensor. */
  public List<RgbImage> views(RgbImage image, Pipeline pipeline) {
    SplittableRandom random = new SplittableRandom(0);
    return switch (this) {
      case NONE -> List.of(pipeline.transform(image, random));
      case FLIP -> {
        RgbImage view = pipeline.transform(image, random);
        yield List.of(view, Transforms.flipHorizontal(view));
      }
      case FIVE_CROP, TEN_CROP -> {
        RgbImage uncropped = pipeline.withoutFinalCenterCrop().transform(image, random);
        List<RgbImage> out = new ArrayList<>(fiveCrop(uncropped, pipeline.size()));
        if (this == TEN_CROP) {
          out.addAll(fiveCrop(Transforms.flipHorizontal(uncropped), pipeline.size()));
        }
        yield out;
      }
    };
  }

  /** torchvision's {@code five_crop}: top-left, top-right, bottom-left, bottom-right, centre. */
  static List<RgbImage> fiveCrop(RgbImage image, int size) {
    int w = image.width();
    int h = image.height();
    if (size > w || size > h) {
      throw new IllegalArgumentException("five_crop: crop size " + size + " is bigger than the " + w + "x" + h
          + " image");
    }
    return List.of(Transforms.crop(image, 0, 0, size, size), Transforms.crop(image, w - size, 0, size, size),
        Transforms.crop(image, 0, h - size, size, size), Transforms.crop(image, w - size, h - size, size, size),
        Transforms.centerCrop(size).apply(image, null));
  }
}
