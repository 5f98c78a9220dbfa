package dev.tfjtransfer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.EvalPreset;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The validation pipeline (bilinear, and bicubic as EfficientNet's weights use it) against
 * torchvision + PIL on JPEG and PNG files of several sizes and modes. Errors are in pixel units (x 255 x std). PNG decoding is lossless, so PNG cases check the
 * PIL-exact resampling on identical pixels; JPEG cases add the decoder difference, reported apart.
 */
class TorchvisionTransformParityTest {
  private static Path refs;
  private static StateDict expected;

  @BeforeAll
  static void references() throws Exception {
    refs = TorchReferences.generate("make_transform_refs.py", "transform-refs");
    expected = StateDict.read(refs.resolve("transforms.safetensors"));
  }

  static Stream<String> images() {
    return Stream.of("a_landscape.jpg", "b_portrait.jpg", "c_square.png", "d_small.png", "e_large.jpg", "f_alpha.png",
        "g_gray.jpg", "h_odd.png", "i_cmyk.jpg", "j_palette.png");
  }

  @ParameterizedTest
  @MethodSource("images")
  void evalPipelineMatchesTorchvision(String file) throws Exception {
    String stem = file.substring(0, file.lastIndexOf('.'));
    RgbImage image = ImageDecoder.decode(refs.resolve(file));

    HostTensor decoded = expected.get(stem + ".decoded");
    assertEquals(decoded.shape()[0], image.height());
    assertEquals(decoded.shape()[1], image.width());
    double[] decodeError = pixelError(image, decoded.floats());
    System.out.printf("%s decode vs PIL: max %.0f, mean %.4f (of 255)%n", file, decodeError[0], decodeError[1]);

    Pipeline pipeline = Pipeline.imagenetEval();
    float[] actual = new float[pipeline.floatsPerImage()];
    pipeline.apply(image, new SplittableRandom(0), actual, 0);
    HostTensor reference = expected.get(stem + ".eval");
    double[] error = normalizedError(actual, reference.floats(), Normalization.IMAGENET.std(), 224, 224);
    System.out.printf("%s eval pipeline vs torchvision: max %.3f, mean %.4f (of 255)%n", file, error[0], error[1]);
    assertTrue(error[0] <= 2.0 && error[1] <= 0.5, file + ": max " + error[0] + ", mean " + error[1]);
    if (file.endsWith(".png")) {
      assertTrue(decodeError[0] == 0 && error[0] < 0.01, file + ": lossless input must resample exactly like PIL");
    }
  }

  @ParameterizedTest
  @MethodSource("images")
  void bicubicResizeEqualsPil(String file) {
    String stem = file.substring(0, file.lastIndexOf('.'));
    // PIL's own decoded pixels, so only the resampling is compared
    HostTensor decoded = expected.get(stem + ".decoded");
    RgbImage image = fromPixels(decoded);
    for (int size : new int[] {97, 300, 600}) {
      RgbImage resized = Transforms.resizeShorter(size, Interpolation.BICUBIC).apply(image, null);
      HostTensor reference = expected.get(stem + ".bicubic" + size);
      assertEquals(reference.shape()[0], resized.height(), file + " height at " + size);
      assertEquals(reference.shape()[1], resized.width(), file + " width at " + size);
      double[] error = pixelError(resized, reference.floats());
      assertTrue(error[0] == 0, file + " bicubic " + size + ": max " + error[0] + ", mean " + error[1]
          + " levels from PIL");
    }
  }

  @ParameterizedTest
  @MethodSource("images")
  void bicubicEvalPipelineMatchesTorchvision(String file) throws Exception {
    String stem = file.substring(0, file.lastIndexOf('.'));
    Pipeline pipeline = Pipeline.imagenetEval(new EvalPreset(320, 300, Interpolation.BICUBIC,
        Normalization.IMAGENET));
    float[] actual = new float[pipeline.floatsPerImage()];
    pipeline.apply(ImageDecoder.decode(refs.resolve(file)), new SplittableRandom(0), actual, 0);
    double[] error = normalizedError(actual, expected.get(stem + ".eval_bicubic").floats(),
        Normalization.IMAGENET.std(), 300, 300);
    assertTrue(error[0] <= 2.0 && error[1] <= 0.5, file + ": max " + error[0] + ", mean " + error[1]);
    if (file.endsWith(".png")) {
      assertTrue(error[0] < 0.01, file + ": lossless input must resample exactly like PIL; max " + error[0]);
    }
  }

  private static RgbImage fromPixels(HostTensor hwc) {
    float[] values = hwc.floats();
    byte[] pixels = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      pixels[i] = (byte) Math.round(values[i]);
    }
    return new RgbImage((int) hwc.shape()[1], (int) hwc.shape()[0], pixels);
  }

  /** Max and mean absolute difference of decoded pixels (HWC floats 0..255). */
  private static double[] pixelError(RgbImage image, float[] reference) {
    double max = 0;
    double sum = 0;
    byte[] px = image.pixels();
    for (int i = 0; i < px.length; i++) {
      double d = Math.abs((px[i] & 0xff) - reference[i]);
      max = Math.max(max, d);
      sum += d;
    }
    return new double[] {max, sum / px.length};
  }

  /** Compares HWC output with torch's CHW tensor, in 0..255 pixel units. */
  static double[] normalizedError(float[] hwc, float[] chw, float[] std, int h, int w) {
    double max = 0;
    double sum = 0;
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double d = Math.abs(hwc[(y * w + x) * 3 + c] - chw[(c * h + y) * w + x]) * std[c] * 255;
          max = Math.max(max, d);
          sum += d;
        }
      }
    }
    return new double[] {max, sum / (3.0 * h * w)};
  }
}
