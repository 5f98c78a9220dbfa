package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.Augmentations.Range;
import dev.tfjtransfer.data.AutoAugment.Op;
import dev.tfjtransfer.data.AutoAugment.OpDraw;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The random draws follow torchvision's distributions. Seeds are fixed, so each check is
 * deterministic; the tolerances are 5 binomial (or uniform) standard deviations, far outside what a
 * correct draw reaches and far inside what a wrong probability, range or choice gives.
 */
class AugmentationDistributionTest {
  private static final int N = 20000;
  private static final RgbImage IMAGE = new RgbImage(224, 160, new byte[224 * 160 * 3]);

  /** Asserts that {@code hits} of {@code n} trials fit probability {@code p} within 5 binomial sd. */
  private static void assertFrequency(double p, int hits, int n, String what) {
    double sd = Math.sqrt(p * (1 - p) / n);
    double f = (double) hits / n;
    assertTrue(Math.abs(f - p) <= 5 * sd, what + ": frequency " + f + ", expected " + p + " +- " + 5 * sd);
  }

  /** Asserts that samples lie in [min, max] and their mean is the uniform mean within 5 sd. */
  private static void assertUniform(double[] samples, double min, double max, String what) {
    double sum = 0;
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (double s : samples) {
      assertTrue(s >= min && s <= max, what + " " + s + " outside [" + min + ", " + max + "]");
      sum += s;
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
    }
    double sd = (max - min) / Math.sqrt(12.0 * samples.length);
    assertEquals((min + max) / 2, sum / samples.length, 5 * sd, what + " mean");
    // the extremes of N uniform draws come within a few 1/N of the bounds
    assertTrue(lo - min < 20 * (max - min) / samples.length && max - hi < 20 * (max - min) / samples.length,
        what + " spans [" + lo + ", " + hi + "]");
  }

  @Test
  void flipAndGrayscaleProbabilities() {
    SplittableRandom random = new SplittableRandom(1);
    Augmentations.RandomVerticalFlip flip = new Augmentations.RandomVerticalFlip(0.3);
    Augmentations.RandomGrayscale gray = new Augmentations.RandomGrayscale(0.1);
    int flips = 0;
    int grays = 0;
    for (int i = 0; i < N; i++) {
      flips += flip.draw(IMAGE, random) ? 1 : 0;
      grays += gray.draw(IMAGE, random) ? 1 : 0;
    }
    assertFrequency(0.3, flips, N, "vertical flip");
    assertFrequency(0.1, grays, N, "grayscale");
  }

  @Test
  void colorJitterFactorsAreUniformInTorchvisionsRangesAndEveryOrderIsEquallyLikely() {
    Augmentations.ColorJitter jitter = Augmentations.ColorJitter.of(0.4, 1.5, 0.2, 0.1);
    SplittableRandom random = new SplittableRandom(2);
    double[][] factors = new double[4][N];
    Map<String, Integer> orders = new HashMap<>();
    for (int i = 0; i < N; i++) {
      Augmentations.ColorJitter.Params p = jitter.draw(IMAGE, random);
      factors[0][i] = p.brightness();
      factors[1][i] = p.contrast();
      factors[2][i] = p.saturation();
      factors[3][i] = p.hue();
      orders.merge(java.util.Arrays.toString(p.order()), 1, Integer::sum);
    }
    assertUniform(factors[0], 0.6, 1.4, "brightness");
    assertUniform(factors[1], 0.0, 2.5, "contrast (1 - 1.5 clipped at 0)");
    assertUniform(factors[2], 0.8, 1.2, "saturation");
    assertUniform(factors[3], -0.1, 0.1, "hue");
    assertEquals(24, orders.size(), "all permutations of the four adjustments");
    orders.forEach((order, count) -> assertFrequency(1 / 24.0, count, N, "order " + order));
  }

  @Test
  void rotationAffineAndBlurParametersStayInTheirRanges() {
    SplittableRandom random = new SplittableRandom(3);
    Augmentations.RandomAffine affine = new Augmentations.RandomAffine(new Range(-10, 20), new double[] {0.1, 0.25},
        new Range(0.8, 1.2), new Range(-5, 5), new Range(2, 4), Resample.NEAREST, null);
    Augmentations.RandomRotation rotation = new Augmentations.RandomRotation(new Range(-30, 30), Resample.NEAREST,
        false, null, null);
    Augmentations.GaussianBlur blur = new Augmentations.GaussianBlur(5, 5, new Range(0.1, 2.0));
    double[][] v = new double[8][N];
    for (int i = 0; i < N; i++) {
      Augmentations.RandomAffine.Params p = affine.draw(IMAGE, random);
      v[0][i] = p.angle();
      v[1][i] = p.translateX();
      v[2][i] = p.translateY();
      v[3][i] = p.scale();
      v[4][i] = p.shearX();
      v[5][i] = p.shearY();
      v[6][i] = rotation.draw(IMAGE, random);
      v[7][i] = blur.draw(IMAGE, random);
    }
    assertUniform(v[0], -10, 20, "affine angle");
    // whole pixels up to round(0.1 * 224) = 22 and round(0.25 * 160) = 40 either way
    assertUniform(v[1], -22, 22, "translate x");
    assertUniform(v[2], -40, 40, "translate y");
    assertUniform(v[3], 0.8, 1.2, "scale");
    assertUniform(v[4], -5, 5, "shear x");
    assertUniform(v[5], 2, 4, "shear y");
    assertUniform(v[6], -30, 30, "rotation");
    assertUniform(v[7], 0.1, 2.0, "blur sigma");
  }

  @Test
  void trivialAugmentPicksOpsBinsAndSignsUniformly() {
    AutoAugment.TrivialAugmentWide ta = new AutoAugment.TrivialAugmentWide();
    SplittableRandom random = new SplittableRandom(4);
    int[] ops = new int[Op.values().length];
    int[] bins = new int[31];
    int negative = 0;
    int signedDraws = 0;
    for (int i = 0; i < N; i++) {
      OpDraw d = ta.draw(IMAGE, random);
      ops[d.op().ordinal()]++;
      if (d.op() == Op.ROTATE) {
        // Rotate's bins are 4.5 degrees apart: recover the bin from the magnitude
        bins[(int) Math.round(Math.abs(d.magnitude()) / 4.5)]++;
      }
      if (d.op().signed() && d.magnitude() != 0) {
        signedDraws++;
        negative += d.magnitude() < 0 ? 1 : 0;
      }
      if (!d.op().signed()) {
        assertTrue(d.magnitude() >= 0, d.toString());
      }
    }
    for (Op op : Op.values()) {
      assertFrequency(1.0 / Op.values().length, ops[op.ordinal()], N, "op " + op);
    }
    int rotations = ops[Op.ROTATE.ordinal()];
    for (int b = 0; b < 31; b++) {
      assertFrequency(1.0 / 31, bins[b], rotations, "rotate bin " + b);
    }
    assertFrequency(0.5, negative, signedDraws, "negative sign");
  }

  @Test
  void randAugmentUsesTheFixedBinWithRandomOpsAndSigns() {
    AutoAugment.RandAugment ra = new AutoAugment.RandAugment(2, 9);
    SplittableRandom random = new SplittableRandom(5);
    int[] ops = new int[Op.values().length];
    int draws = 0;
    for (int i = 0; i < N / 2; i++) {
      List<OpDraw> list = ra.draw(IMAGE, random);
      assertEquals(2, list.size());
      for (OpDraw d : list) {
        ops[d.op().ordinal()]++;
        draws++;
        float[] bins = AutoAugment.randMagnitudes(d.op(), 31, IMAGE.height(), IMAGE.width());
        assertEquals(bins == null ? 0.0 : bins[9], Math.abs(d.magnitude()), 0.0, d.toString());
      }
    }
    for (Op op : Op.values()) {
      assertFrequency(1.0 / Op.values().length, ops[op.ordinal()], draws, "op " + op);
    }
  }

  @Test
  void randomErasingProbabilityAndBoxes() {
    Augmentations.RandomErasing erasing = new Augmentations.RandomErasing(0.25, new Range(0.02, 0.33),
        new Range(0.3, 3.3), null);
    SplittableRandom random = new SplittableRandom(6);
    int erased = 0;
    double[] area = new double[N];
    int boxes = 0;
    for (int i = 0; i < N; i++) {
      Augmentations.RandomErasing.Params p = erasing.draw(64, 48, random);
      if (p.height() == 0) {
        continue;
      }
      erased++;
      assertTrue(p.top() >= 0 && p.left() >= 0 && p.top() + p.height() <= 64 && p.left() + p.width() <= 48,
          p.toString());
      assertEquals(3 * p.height() * p.width(), p.values().length, "value=random: noise per element");
      area[boxes++] = (double) p.height() * p.width() / (64 * 48);
    }
    assertFrequency(0.25, erased, N, "erase");
    // box areas are the drawn fraction up to rounding of each side (at most half a pixel each way)
    for (int i = 0; i < boxes; i++) {
      assertTrue(area[i] > 0.005 && area[i] < 0.37, "area fraction " + area[i]);
    }
  }

  @Test
  void aSampleSeedRepeatsEveryDrawAndAnotherSeedChangesThem() {
    byte[] px = new byte[50 * 40 * 3];
    new SplittableRandom(7).nextBytes(px);
    RgbImage photo = new RgbImage(50, 40, px);
    Pipeline pipeline = new Pipeline(List.of(Transforms.colorJitter(0.4, 0.4, 0.4, 0.1), Transforms.randomRotation(20),
        Transforms.trivialAugmentWide(), Transforms.randAugment(2, 9), Transforms.centerCrop(32)),
        Normalization.IMAGENET, 32, List.of(Transforms.randomErasing(1.0)));
    assertFalse(pipeline.isDeterministic());
    float[] a = new float[pipeline.floatsPerImage()];
    float[] b = new float[pipeline.floatsPerImage()];
    float[] c = new float[pipeline.floatsPerImage()];
    pipeline.apply(photo, new SplittableRandom(11), a, 0);
    pipeline.apply(photo, new SplittableRandom(11), b, 0);
    pipeline.apply(photo, new SplittableRandom(12), c, 0);
    assertArrayEquals(a, b, 0f);
    assertFalse(java.util.Arrays.equals(a, c));
  }
}
