package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * WeightedRandomSampler(replacement=True): draw frequencies follow weights / sum (a chi-square
 * test), zero weights are never drawn, 'balanced' class weights make classes equally frequent, and
 * a loader's epochs are reproducible from (seed, epoch).
 */
class WeightedRandomSamplerTest {
  @Test
  void frequenciesFollowTheWeights() {
    double[] weights = {1, 2, 0, 5, 0.5};
    int n = 85000;
    int[] counts = new int[weights.length];
    for (int i : new WeightedRandomSampler(weights, n).draw(new SplittableRandom(3))) {
      counts[i]++;
    }
    assertEquals(0, counts[2], "a zero weight is never drawn");
    double total = Arrays.stream(weights).sum();
    double chiSquare = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        double expected = n * weights[i] / total;
        chiSquare += (counts[i] - expected) * (counts[i] - expected) / expected;
      }
    }
    // 3 degrees of freedom: P(chi2 > 16.27) = 0.001
    assertTrue(chiSquare < 16.27, "chi-square " + chiSquare + " for counts " + Arrays.toString(counts));
  }

  /** An imbalanced labelled set: 30 / 6 / 4 samples. */
  private static Dataset imbalanced() {
    int[] labels = new int[40];
    Arrays.fill(labels, 30, 36, 1);
    Arrays.fill(labels, 36, 40, 2);
    return new Dataset() {
      @Override
      public int size() {
        return labels.length;
      }

      @Override
      public List<String> classes() {
        return List.of("a", "b", "c");
      }

      @Override
      public int label(int index) {
        return labels[index];
      }

      @Override
      public RgbImage image(int index) {
        throw new UnsupportedOperationException();
      }

      @Override
      public String describe(int index) {
        return "sample " + index;
      }
    };
  }

  @Test
  void balancedClassWeightsEqualiseClassFrequencies() {
    Dataset data = imbalanced();
    List<Double> balanced = ClassWeights.balanced(ClassWeights.counts(data));
    assertEquals(40.0 / (3 * 30), balanced.get(0), 1e-12);
    WeightedRandomSampler sampler = new WeightedRandomSampler(ClassWeights.perSample(data, balanced), 30000);
    int[] perClass = new int[3];
    for (int i : sampler.draw(new SplittableRandom(9))) {
      perClass[data.label(i)]++;
    }
    for (int c = 0; c < 3; c++) {
      assertEquals(10000, perClass[c], 4 * Math.sqrt(30000 * (1 / 3.0) * (2 / 3.0)), Arrays.toString(perClass));
    }
  }

  @Test
  void loaderEpochsAreReproducibleAndDiffer() {
    Dataset data = imbalanced();
    WeightedRandomSampler sampler = new WeightedRandomSampler(ClassWeights.perSample(data,
        ClassWeights.balanced(ClassWeights.counts(data))), 25);
    Pipeline none = new Pipeline(List.of(), Normalization.IMAGENET, 8);
    try (DataLoader a = DataLoader.builder(data, none).optSampler(sampler).optSeed(4).optBatchSize(10).build();
        DataLoader b = DataLoader.builder(data, none).optSampler(sampler).optSeed(4).optBatchSize(10).build()) {
      assertEquals(3, a.batchesPerEpoch());
      int[] first = a.batchIndices(1).stream().flatMapToInt(Arrays::stream).toArray();
      assertEquals(25, first.length);
      assertArrayEquals(first, b.batchIndices(1).stream().flatMapToInt(Arrays::stream).toArray());
      assertFalse(Arrays.equals(first, a.batchIndices(2).stream().flatMapToInt(Arrays::stream).toArray()));
    }
  }
}
