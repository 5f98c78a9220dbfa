package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformsTest {
  @Test
  void randomResizedCropBoxesFollowTorchvisionsDistribution() {
    SplittableRandom random = new SplittableRandom(1);
    double areaSum = 0;
    double ratioSum = 0;
    int n = 20000;
    for (int i = 0; i < n; i++) {
      int[] box = Transforms.randomCropBox(500, 375, 0.08, 1.0, 3.0 / 4, 4.0 / 3, random);
      assertTrue(box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= 500 && box[1] + box[3] <= 375);
      double ratio = (double) box[2] / box[3];
      assertTrue(ratio > 0.70 && ratio < 1.40 || box[2] == 500 || box[3] == 375, "ratio " + ratio);
      areaSum += (double) box[2] * box[3] / (500.0 * 375);
      ratioSum += ratio;
    }
    // torchvision's RandomResizedCrop.get_params on a 500x375 image, 20000 draws (torch 1.13,
    // torchvision 0.14): mean area fraction 0.4348, mean w/h 1.0457 (rejected draws shift both)
    assertEquals(0.4348, areaSum / n, 0.01, "mean area fraction");
    assertEquals(1.0457, ratioSum / n, 0.01, "mean aspect ratio");
  }

  @Test
  void centreFallbackWhenNoDrawFits() {
    // a 1000x10 strip: no 3/4..4/3 crop of >= 8% area fits, torchvision falls back to the centre
    int[] box = Transforms.randomCropBox(1000, 10, 0.08, 1.0, 3.0 / 4, 4.0 / 3, new SplittableRandom(3));
    assertArrayEquals(new int[] {(1000 - 13) / 2, 0, 13, 10}, box);
  }

  @Test
  void seededPipelinesRepeatAndCentreCropRoundsHalfToEven() {
    RgbImage image = new RgbImage(7, 5, new byte[7 * 5 * 3]);
    RgbImage cropped = Transforms.centerCrop(4).apply(image, null);
    assertEquals(4, cropped.width());
    byte[] px = new byte[60 * 40 * 3];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 31);
    }
    RgbImage photo = new RgbImage(60, 40, px);
    Pipeline train = new Pipeline(java.util.List.of(Transforms.randomResizedCrop(16),
        Transforms.randomHorizontalFlip(0.5)), Normalization.IMAGENET, 16);
    float[] a = new float[train.floatsPerImage()];
    float[] b = new float[train.floatsPerImage()];
    train.apply(photo, new SplittableRandom(9), a, 0);
    train.apply(photo, new SplittableRandom(9), b, 0);
    assertArrayEquals(a, b, 0f);
  }
}
