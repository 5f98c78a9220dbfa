package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FiveCrop / TenCrop views against torchvision's TenCrop on the augmentation reference photos. */
class TestTimeAugmentationTest {
  @Test
  void tenCropViewsEqualTorchvisionsTenCrop() throws Exception {
    StateDict refs = StateDict.read(TorchReferences.generate("make_augment_refs.py", "augment-refs")
        .resolve("augment.safetensors"));
    for (String name : List.of("odd", "square", "tall")) {
      RgbImage image = AugmentationParityTest.toImage(refs.get(name));
      int size = Math.min(image.width(), image.height()) - 5;
      // what ten_crop replaces: the final CenterCrop (here the only step)
      Pipeline eval = new Pipeline(List.of(Transforms.centerCrop(size)), Normalization.IMAGENET, size);
      List<RgbImage> views = TestTimeAugmentation.TEN_CROP.views(image, eval);
      assertEquals(10, views.size());
      for (int i = 0; i < 10; i++) {
        HostTensor expected = refs.get(name + ".ten_crop." + i);
        assertArrayEquals(expected.floats(), floats(views.get(i)), 0f, name + " view " + i);
      }
      List<RgbImage> five = TestTimeAugmentation.FIVE_CROP.views(image, eval);
      assertArrayEquals(floats(views.get(4)), floats(five.get(4)), 0f, "five_crop is ten_crop's first half");
      List<RgbImage> flip = TestTimeAugmentation.FLIP.views(image, eval);
      assertArrayEquals(floats(Transforms.flipHorizontal(flip.get(0))), floats(flip.get(1)), 0f);
    }
  }

  @Test
  void cropViewsNeedAFinalCenterCrop() {
    Pipeline resized = new Pipeline(List.of(Transforms.resize(8, 8)), Normalization.NONE, 8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TestTimeAugmentation.TEN_CROP.views(new RgbImage(9, 9, new byte[243]), resized));
    assertTrue(e.getMessage().contains("final center_crop"), e.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TestTimeAugmentation.parse("six_crop")).getMessage()
        .contains("none, flip, five_crop, ten_crop"));
  }

  private static float[] floats(RgbImage image) {
    float[] out = new float[image.pixels().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = image.pixels()[i] & 0xff;
    }
    return out;
  }
}
