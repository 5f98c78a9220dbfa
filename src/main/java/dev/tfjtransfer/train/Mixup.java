package dev.tfjtransfer.train;

import java.util.SplittableRandom;

/**
 * MixUp and CutMix at batch level as timm's {@code Mixup(mode="batch")} defines them: with
 * probability {@code prob} a batch is mixed with its own reverse ({@code x.flip(0)}); when both
 * alphas are positive, CutMix is chosen with probability {@code switchProb}. MixUp blends whole
 * images, x = lam * x + (1 - lam) * flip(x); CutMix pastes a box of the reversed batch whose side
 * is sqrt(1 - lam) of the image's, centred uniformly, clipped at the border, and corrects lam to
 * the area actually kept. Targets are timm's {@code mixup_target}: lam * smooth(onehot(y)) +
 * (1 - lam) * smooth(onehot(flip(y))) with label smoothing e (off = e / K, on = 1 - e + e / K),
 * for the loss on probabilities ({@link CrossEntropyLoss#buildSoft}).
 *
 * <p>The draws come from (seed, step) alone, so a resumed run mixes exactly as the uninterrupted
 * one. Unlike timm, odd batches are accepted (the middle image mixes with itself).
 */
public record Mixup(double mixupAlpha, double cutmixAlpha, double prob, double switchProb, double labelSmoothing) {
  public Mixup {
    if (!(mixupAlpha >= 0) || !(cutmixAlpha >= 0) || !(mixupAlpha > 0 || cutmixAlpha > 0)) {
      throw new IllegalArgumentException("mixup needs mixup_alpha >= 0 and cutmix_alpha >= 0, one of them > 0;"
          + " received: mixup_alpha=" + mixupAlpha + ", cutmix_alpha=" + cutmixAlpha);
    }
    if (!(prob >= 0 && prob <= 1) || !(switchProb >= 0 && switchProb <= 1)) {
      throw new IllegalArgumentException("mixup prob and switch_prob must be in [0, 1]; received: prob=" + prob
          + ", switch_prob=" + switchProb);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("label_smoothing must be in [0, 1); received: " + labelSmoothing);
    }
  }

  /** timm's defaults for its flags --mixup 0.8 --cutmix 1.0: prob 1, switch_prob 0.5. */
  public static Mixup timm(double mixupAlpha, double cutmixAlpha, double labelSmoothing) {
    return new Mixup(mixupAlpha, cutmixAlpha, 1.0, 0.5, labelSmoothing);
  }

  /**
   * One batch's random draws: whether it is mixed, by CutMix or MixUp, the Beta-distributed lam,
   * and the box centre (CutMix only).
   */
  public record Draw(boolean mixed, boolean cutmix, double lam, int centerY, int centerX) {
    static final Draw NONE = new Draw(false, false, 1, 0, 0);
  }

  /** The CutMix box, rows [top, bottom) and columns [left, right). */
  public record Box(int top, int bottom, int left, int right) {
    int area() {
      return (bottom - top) * (right - left);
    }
  }

  /** The draws of training step {@code step} for images of {@code height x width}. */
  public Draw draw(long seed, long step, int height, int width) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (step + 0x632BE59BD9B4E019L));
    if (!(random.nextDouble() < prob)) {
      return Draw.NONE;
    }
    boolean cutmix = cutmixAlpha > 0 && (mixupAlpha == 0 || random.nextDouble() < switchProb);
    double lam = BetaDistribution.sample(random, cutmix ? cutmixAlpha : mixupAlpha);
    if (!cutmix) {
      return new Draw(true, false, lam, 0, 0);
    }
    return new Draw(true, true, lam, random.nextInt(height), random.nextInt(width));
  }

  /** timm's rand_bbox: a square of side sqrt(1 - lam) of each dimension around the drawn centre. */
  public static Box box(Draw draw, int height, int width) {
    double ratio = Math.sqrt(1 - draw.lam());
    int cutH = (int) (height * ratio);
    int cutW = (int) (width * ratio);
    return new Box(clip(draw.centerY() - cutH / 2, height), clip(draw.centerY() + cutH / 2, height),
        clip(draw.centerX() - cutW / 2, width), clip(draw.centerX() + cutW / 2, width));
  }

  /** The weight of each image's own label: lam, or for CutMix the share of the image left uncut. */
  public static double effectiveLam(Draw draw, int height, int width) {
    if (!draw.mixed()) {
      return 1;
    }
    return draw.cutmix() ? 1 - box(draw, height, width).area() / (double) (height * width) : draw.lam();
  }

  /**
   * Mixes a batch of NHWC images in place and returns the soft targets, row-major
   * {@code [batch, classes]}.
   */
  public float[] apply(Draw draw, float[] images, int batch, int height, int width, int[] labels, int classes) {
    double lam = effectiveLam(draw, height, width);
    if (draw.mixed() && lam != 1) {
      if (draw.cutmix()) {
        cut(images, batch, height, width, box(draw, height, width));
      } else {
        blend(images, batch, height * width * 3, lam);
      }
    }
    return targets(labels, classes, lam);
  }

  private float[] targets(int[] labels, int classes, double lam) {
    double off = labelSmoothing / classes;
    double on = 1 - labelSmoothing + off;
    float[] targets = new float[labels.length * classes];
    for (int i = 0; i < labels.length; i++) {
      int flipped = labels[labels.length - 1 - i];
      for (int c = 0; c < classes; c++) {
        double own = c == labels[i] ? on : off;
        double other = c == flipped ? on : off;
        targets[i * classes + c] = (float) (own * lam + other * (1 - lam));
      }
    }
    return targets;
  }

  /** x = x * lam + flip(x) * (1 - lam), in float32 as timm's in-place tensor ops compute it. */
  private static void blend(float[] images, int batch, int perImage, double lamValue) {
    float lam = (float) lamValue;
    float rest = (float) (1 - lamValue);
    for (int i = 0; i < (batch + 1) / 2; i++) {
      int j = batch - 1 - i;
      for (int k = 0; k < perImage; k++) {
        float a = images[i * perImage + k];
        float b = images[j * perImage + k];
        images[i * perImage + k] = a * lam + b * rest;
        images[j * perImage + k] = b * lam + a * rest;
      }
    }
  }

  private static void cut(float[] images, int batch, int height, int width, Box box) {
    int perImage = height * width * 3;
    for (int i = 0; i < batch / 2; i++) {
      int j = batch - 1 - i;
      for (int y = box.top(); y < box.bottom(); y++) {
        for (int x = box.left() * 3; x < box.right() * 3; x++) {
          int offset = y * width * 3 + x;
          float t = images[i * perImage + offset];
          images[i * perImage + offset] = images[j * perImage + offset];
          images[j * perImage + offset] = t;
        }
      }
    }
  }

  private static int clip(int value, int size) {
    return Math.max(0, Math.min(size, value));
  }

  /** Beta(a, a) as X / (X + Y) with X, Y ~ Gamma(a, 1) (numpy's method for these parameters). */
  static final class BetaDistribution {
    private BetaDistribution() {}

    static double sample(SplittableRandom random, double alpha) {
      double x = gamma(random, alpha);
      double y = gamma(random, alpha);
      return x + y == 0 ? 0.5 : x / (x + y);
    }

    /** Marsaglia and Tsang's method; for a < 1, Gamma(a + 1) * U^(1/a). */
    private static double gamma(SplittableRandom random, double a) {
      if (a < 1) {
        return gamma(random, a + 1) * Math.pow(random.nextDouble(), 1 / a);
      }
      double d = a - 1.0 / 3;
      double c = 1 / Math.sqrt(9 * d);
      while (true) {
        double z = random.nextGaussian();
        double v = 1 + c * z;
        if (v <= 0) {
          continue;
        }
        v = v * v * v;
        double u = random.nextDouble();
        if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
          return d * v;
        }
      }
    }
  }
}
