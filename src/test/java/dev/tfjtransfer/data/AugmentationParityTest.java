package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.AutoAugment.Op;
import dev.tfjtransfer.data.AutoAugment.OpDraw;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every augmentation with fixed parameters against torchvision 0.14 + PIL 9.4 on the same pixels
 * (tests/parity/make_augment_refs.py: three synthetic photos, 97x75, 64x64 and 45x83): the
 * output may differ by at most one level anywhere, and the magnitude tables of TrivialAugmentWide
 * and RandAugment must equal torch's float32 values bit for bit.
 */
class AugmentationParityTest {
  private static StateDict refs;
  private static JsonNode cases;
  private static final List<String> inexact = new ArrayList<>();

  @BeforeAll
  static void references() throws Exception {
    Path dir = TorchReferences.generate("make_augment_refs.py", "augment-refs");
    refs = StateDict.read(dir.resolve("augment.safetensors"));
    cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
  }

  @AfterAll
  static void report() {
    System.out.println("augmentation parity: " + inexact.size() + " of " + cases.size()
        + " cases differ from torchvision by one level somewhere: " + inexact);
  }

  @TestFactory
  Stream<DynamicTest> eachOpMatchesTorchvisionWithinOneLevel() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases) {
      tests.add(DynamicTest.dynamicTest(c.get("key").asText() + " " + c.get("params"), () -> check(c)));
    }
    return tests.stream();
  }

  @Test
  void magnitudeBinsEqualTorchsFloat32Values() {
    for (Op op : Op.values()) {
      String name = torchName(op);
      float[] wide = AutoAugment.wideMagnitudes(op, 31);
      if (wide != null) {
        assertArrayEquals(refs.get("ta_bins." + name).floats(), wide, 0f, "TrivialAugmentWide " + name);
      }
      for (int[] size : new int[][] {{97, 75}, {64, 64}, {45, 83}}) {
        float[] rand = AutoAugment.randMagnitudes(op, 31, size[1], size[0]);
        if (rand != null) {
          assertArrayEquals(refs.get("ra_bins." + size[0] + "x" + size[1] + "." + name).floats(), rand, 0f,
              "RandAugment " + name + " at " + size[0] + "x" + size[1]);
        }
      }
    }
  }

  private static void check(JsonNode c) {
    String imageName = c.get("image").asText();
    JsonNode p = c.get("params");
    HostTensor expected = refs.get(c.get("key").asText());
    if (c.get("op").asText().equals("erase")) {
      checkErase(imageName, p, expected);
      return;
    }
    RgbImage image = toImage(refs.get(imageName));
    RgbImage actual = apply(c.get("op").asText(), p, image);
    float[] want = expected.floats();
    byte[] got = actual.pixels();
    assertTrue(actual.height() == expected.shape()[0] && actual.width() == expected.shape()[1], "size "
        + actual.width() + "x" + actual.height() + ", torchvision's " + expected.shapeString());
    int max = 0;
    int at = -1;
    for (int i = 0; i < got.length; i++) {
      int d = Math.abs((got[i] & 0xff) - (int) want[i]);
      if (d > max) {
        max = d;
        at = i;
      }
    }
    if (max == 1) {
      inexact.add(c.get("key").asText());
    }
    int pixel = at / 3;
    assertTrue(max <= 1, "max difference " + max + " at (x=" + pixel % actual.width() + ", y=" + pixel / actual.width()
        + ", c=" + at % 3 + ")");
  }

  private static RgbImage apply(String op, JsonNode p, RgbImage image) {
    return switch (op) {
      case "brightness" -> PilOps.brightness(image, p.get("factor").asDouble());
      case "contrast" -> PilOps.contrast(image, p.get("factor").asDouble());
      case "saturation" -> PilOps.color(image, p.get("factor").asDouble());
      case "hue" -> PilOps.hue(image, p.get("factor").asDouble());
      case "sharpness" -> PilOps.sharpness(image, p.get("factor").asDouble());
      case "color_jitter" -> {
        int[] order = new int[4];
        for (int i = 0; i < 4; i++) {
          order[i] = p.get("order").get(i).asInt();
        }
        Augmentations.ColorJitter jitter = Augmentations.ColorJitter.of(0.5, 0.5, 0.5, 0.5);
        yield jitter.applyWith(image, new Augmentations.ColorJitter.Params(order, nullable(p, "brightness"),
            nullable(p, "contrast"), nullable(p, "saturation"), nullable(p, "hue")));
      }
      case "grayscale" -> new Augmentations.RandomGrayscale(1).applyWith(image, true);
      case "vflip" -> new Augmentations.RandomVerticalFlip(1).applyWith(image, true);
      case "rotate" -> {
        JsonNode center = p.get("center");
        yield new Augmentations.RandomRotation(new Augmentations.Range(-180, 180), resample(p),
            p.get("expand").asBoolean(), center.isNull() ? null : new double[] {center.get(0).asDouble(),
                center.get(1).asDouble()}, ints(p.get("fill"))).applyWith(image, p.get("angle").asDouble());
      }
      case "affine" -> {
        Augmentations.RandomAffine affine = new Augmentations.RandomAffine(new Augmentations.Range(0, 0), null, null,
            null, null, resample(p), ints(p.get("fill")));
        JsonNode t = p.get("translate");
        JsonNode s = p.get("shear");
        yield affine.applyWith(image, new Augmentations.RandomAffine.Params(p.get("angle").asDouble(),
            t.get(0).asInt(), t.get(1).asInt(), p.get("scale").asDouble(), s.get(0).asDouble(), s.get(1).asDouble()));
      }
      case "gaussian_blur" -> new Augmentations.GaussianBlur(p.get("kernel").get(0).asInt(),
          p.get("kernel").get(1).asInt(), new Augmentations.Range(0.1, 2)).applyWith(image, p.get("sigma").asDouble());
      case "auto_augment_op" -> new AutoAugment.TrivialAugmentWide(31, resample(p), null).applyWith(image,
          new OpDraw(op(p.get("op").asText()), p.get("magnitude").asDouble()));
      default -> throw new IllegalArgumentException("unknown case " + op);
    };
  }

  private static void checkErase(String imageName, JsonNode p, HostTensor expected) {
    HostTensor normalized = refs.get(imageName + ".normalized");
    int h = (int) normalized.shape()[1];
    int w = (int) normalized.shape()[2];
    float[] chw = normalized.floats();
    float[] hwc = new float[chw.length];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < h * w; i++) {
        hwc[i * 3 + c] = chw[c * h * w + i];
      }
    }
    float[] values = new float[p.get("values").size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) p.get("values").get(i).asDouble();
    }
    Augmentations.RandomErasing.applyWith(hwc, 0, w, new Augmentations.RandomErasing.Params(p.get("top").asInt(),
        p.get("left").asInt(), p.get("height").asInt(), p.get("width").asInt(), values));
    float[] want = expected.floats();
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < h * w; i++) {
        assertTrue(hwc[i * 3 + c] == want[c * h * w + i], "erase differs at channel " + c + " pixel " + i);
      }
    }
  }

  static RgbImage toImage(HostTensor hwc) {
    float[] v = hwc.floats();
    byte[] px = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      px[i] = (byte) (int) v[i];
    }
    return new RgbImage((int) hwc.shape()[1], (int) hwc.shape()[0], px);
  }

  private static Double nullable(JsonNode p, String key) {
    return p.get(key).isNull() ? null : p.get(key).asDouble();
  }

  private static Resample resample(JsonNode p) {
    return Resample.valueOf(p.get("resample").asText().toUpperCase(Locale.ROOT));
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  /** torchvision's op names ("ShearX", "AutoContrast") for the enum constants (SHEAR_X, AUTO_CONTRAST). */
  static String torchName(Op op) {
    StringBuilder sb = new StringBuilder();
    for (String part : op.name().split("_")) {
      sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }

  private static Op op(String torchName) {
    for (Op op : Op.values()) {
      if (torchName(op).equals(torchName)) {
        return op;
      }
    }
    throw new IllegalArgumentException(torchName);
  }
}
