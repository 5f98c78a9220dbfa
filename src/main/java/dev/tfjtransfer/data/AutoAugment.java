package dev.tfjtransfer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * torchvision 0.14's {@code TrivialAugmentWide} and {@code RandAugment}
 * (torchvision/transforms/autoaugment.py): the same fourteen operations, magnitude bins and sign
 * draws, applied to PIL images with PIL's arithmetic.
 */
public final class AutoAugment {
  private AutoAugment() {}

  /** The operations, in the order of torchvision's {@code _augmentation_space}. */
  public enum Op {
    IDENTITY, SHEAR_X, SHEAR_Y, TRANSLATE_X, TRANSLATE_Y, ROTATE, BRIGHTNESS, COLOR, CONTRAST, SHARPNESS, POSTERIZE,
    SOLARIZE, AUTO_CONTRAST, EQUALIZE;

    /** Whether torchvision draws a sign for the magnitude. */
    boolean signed() {
      return this != IDENTITY && this != POSTERIZE && this != SOLARIZE && this != AUTO_CONTRAST && this != EQUALIZE;
    }
  }

  /** One operation with its signed magnitude, as {@code _apply_op} receives it. */
  public record OpDraw(Op op, double magnitude) {}

  /**
   * {@code TrivialAugmentWide(num_magnitude_bins, interpolation, fill)}: one operation uniformly
   * at random, a magnitude bin uniformly at random, a random sign.
   */
  public record TrivialAugmentWide(int numMagnitudeBins, Resample resample, int[] fill) implements RandomOp<OpDraw> {
    public TrivialAugmentWide {
      if (numMagnitudeBins < 2) {
        throw new IllegalArgumentException("num_magnitude_bins must be >= 2; received: " + numMagnitudeBins);
      }
      fill = Augmentations.checkFill(fill);
    }

    public TrivialAugmentWide() {
      this(31, Resample.NEAREST, null);
    }

    @Override
    public OpDraw draw(RgbImage image, SplittableRandom random) {
      Op op = Op.values()[random.nextInt(Op.values().length)];
      float[] bins = wideMagnitudes(op, numMagnitudeBins);
      double magnitude = bins == null ? 0.0 : bins[random.nextInt(bins.length)];
      return new OpDraw(op, signed(op, magnitude, random));
    }

    @Override
    public RgbImage applyWith(RgbImage image, OpDraw draw) {
      return applyOp(image, draw, resample, fill);
    }
  }

  /**
   * {@code RandAugment(num_ops, magnitude, num_magnitude_bins, interpolation, fill)}: {@code numOps}
   * operations uniformly at random (with repetition), each at bin {@code magnitude} with a random
   * sign.
   */
  public record RandAugment(int numOps, int magnitude, int numMagnitudeBins, Resample resample, int[] fill)
      implements RandomOp<List<OpDraw>> {
    public RandAugment {
      if (numOps < 0) {
        throw new IllegalArgumentException("num_ops must be >= 0; received: " + numOps);
      }
      if (numMagnitudeBins < 2 || magnitude < 0 || magnitude >= numMagnitudeBins) {
        throw new IllegalArgumentException("magnitude must be in [0, num_magnitude_bins - 1] and num_magnitude_bins"
            + " >= 2; received: magnitude=" + magnitude + ", num_magnitude_bins=" + numMagnitudeBins);
      }
      fill = Augmentations.checkFill(fill);
    }

    public RandAugment(int numOps, int magnitude) {
      this(numOps, magnitude, 31, Resample.NEAREST, null);
    }

    @Override
    public List<OpDraw> draw(RgbImage image, SplittableRandom random) {
      List<OpDraw> draws = new ArrayList<>(numOps);
      for (int i = 0; i < numOps; i++) {
        Op op = Op.values()[random.nextInt(Op.values().length)];
        float[] bins = randMagnitudes(op, numMagnitudeBins, image.height(), image.width());
        draws.add(new OpDraw(op, signed(op, bins == null ? 0.0 : bins[magnitude], random)));
      }
      return draws;
    }

    @Override
    public RgbImage applyWith(RgbImage image, List<OpDraw> draws) {
      RgbImage out = image;
      for (OpDraw draw : draws) {
        out = applyOp(out, draw, resample, fill);
      }
      return out;
    }
  }

  /** TrivialAugmentWide's magnitude bins of {@code op}, float32 as torch makes them; null if it has none. */
  static float[] wideMagnitudes(Op op, int bins) {
    return switch (op) {
      case SHEAR_X, SHEAR_Y, BRIGHTNESS, COLOR, CONTRAST, SHARPNESS -> linspace(0.0, 0.99, bins);
      case TRANSLATE_X, TRANSLATE_Y -> linspace(0.0, 32.0, bins);
      case ROTATE -> linspace(0.0, 135.0, bins);
      case POSTERIZE -> posterizeBits(bins, 6);
      case SOLARIZE -> linspace(255.0, 0.0, bins);
      case IDENTITY, AUTO_CONTRAST, EQUALIZE -> null;
    };
  }

  /** RandAugment's magnitude bins of {@code op} for an image of the given size; null if it has none. */
  static float[] randMagnitudes(Op op, int bins, int height, int width) {
    return switch (op) {
      case SHEAR_X, SHEAR_Y -> linspace(0.0, 0.3, bins);
      case TRANSLATE_X -> linspace(0.0, 150.0 / 331.0 * width, bins);
      case TRANSLATE_Y -> linspace(0.0, 150.0 / 331.0 * height, bins);
      case ROTATE -> linspace(0.0, 30.0, bins);
      case BRIGHTNESS, COLOR, CONTRAST, SHARPNESS -> linspace(0.0, 0.9, bins);
      case POSTERIZE -> posterizeBits(bins, 4);
      case SOLARIZE -> linspace(255.0, 0.0, bins);
      case IDENTITY, AUTO_CONTRAST, EQUALIZE -> null;
    };
  }

  /** {@code _apply_op}: the operation at {@code draw.magnitude()} on a PIL image. */
  static RgbImage applyOp(RgbImage image, OpDraw draw, Resample resample, int[] fill) {
    double m = draw.magnitude();
    int w = image.width();
    int h = image.height();
    return switch (draw.op()) {
      // shears about the top-left corner (center=[0, 0]) by the angle whose tangent is the magnitude
      case SHEAR_X -> PilOps.transformAffine(image, Augmentations.inverseAffineMatrix(0, 0, 0, 0, 0, 1,
          Math.toDegrees(Math.atan(m)), 0), resample, fill);
      case SHEAR_Y -> PilOps.transformAffine(image, Augmentations.inverseAffineMatrix(0, 0, 0, 0, 0, 1, 0,
          Math.toDegrees(Math.atan(m))), resample, fill);
      case TRANSLATE_X -> PilOps.transformAffine(image, Augmentations.inverseAffineMatrix(w * 0.5, h * 0.5, 0,
          (int) m, 0, 1, 0, 0), resample, fill);
      case TRANSLATE_Y -> PilOps.transformAffine(image, Augmentations.inverseAffineMatrix(w * 0.5, h * 0.5, 0, 0,
          (int) m, 1, 0, 0), resample, fill);
      case ROTATE -> PilOps.rotate(image, m, resample, fill, false, null);
      case BRIGHTNESS -> PilOps.brightness(image, 1.0 + m);
      case COLOR -> PilOps.color(image, 1.0 + m);
      case CONTRAST -> PilOps.contrast(image, 1.0 + m);
      case SHARPNESS -> PilOps.sharpness(image, 1.0 + m);
      case POSTERIZE -> PilOps.posterize(image, (int) m);
      case SOLARIZE -> PilOps.solarize(image, m);
      case AUTO_CONTRAST -> PilOps.autocontrast(image);
      case EQUALIZE -> PilOps.equalize(image);
      case IDENTITY -> image;
    };
  }

  /**
   * {@code torch.linspace(start, end, steps)} in float32, value for value as torch 1.13's CPU
   * kernel makes it on x86-64 (AVX2 dispatch): pairs of 8-wide vectors from the head, each
   * {@code base + k * step} from a fused-multiply-add base, and the rest as {@code start + step * i}
   * below the midpoint and {@code end - step * (steps - 1 - i)} above it, both fused. The last bit
   * matters: {@code int(magnitude)} of a translation and solarize's threshold compare it.
   */
  static float[] linspace(double start, double end, int steps) {
    float s = (float) start;
    float e = (float) end;
    float step = (e - s) / (steps - 1);
    int half = steps / 2;
    float[] out = new float[steps];
    int vector = 8;
    int i = 0;
    for (; i <= steps - 2 * vector; i += 2 * vector) {
      for (int v = i; v < i + 2 * vector; v += vector) {
        float base = linspaceScalar(v, s, e, step, steps, half);
        for (int k = 0; k < vector; k++) {
          out[v + k] = base + k * step;
        }
      }
    }
    for (; i < steps; i++) {
      out[i] = linspaceScalar(i, s, e, step, steps, half);
    }
    return out;
  }

  private static float linspaceScalar(int i, float start, float end, float step, int steps, int half) {
    return i < half ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
  }

  /** {@code 8 - (arange(bins) / ((bins - 1) / divisor)).round().int()}, in float32 and ties to even. */
  private static float[] posterizeBits(int bins, int divisor) {
    float denominator = (float) ((bins - 1) / (double) divisor);
    float[] out = new float[bins];
    for (int i = 0; i < bins; i++) {
      out[i] = 8 - (int) Math.rint((float) i / denominator);
    }
    return out;
  }

  private static double signed(Op op, double magnitude, SplittableRandom random) {
    return op.signed() && random.nextInt(2) == 1 ? -magnitude : magnitude;
  }
}
