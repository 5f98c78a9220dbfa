package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.Architecture;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every torchvision row of ModelZoo's table, end to end as a user runs it: a {@code .pth} torch
 * wrote from a randomly initialised model (random BatchNorm statistics, LayerNorm affines, layer
 * scales), {@code convert} to safetensors, then {@code predict --arch A --weights W --output-logits}
 * with the architecture's own default transforms, against torchvision's
 * {@code model(weights.transforms()(image))} (make_zoo_logits.py). The first row of each family is
 * written in torch's legacy pickle format, the others as zip archives. Images are odd-sized JPEG
 * and PNG; the largest models see one small image to keep the suite short.
 */
class ModelZooParityTest {
  private static final String SCRIPT = "make_zoo_logits.py";
  private static final List<String> ALL_IMAGES = List.of("a_wide.jpg", "b_tall.png", "c_small.png");
  private static final String SHARED_SMALL_IMAGE = "c_small.png";
  private static final double TOLERANCE = 1e-4;
  private static final long MAX_PARAMETERS = 150_000_000L;
  /** About 1 GB of float32 weights per torch run. */
  private static final long CHUNK_PARAMETERS = 250_000_000L;
  /** Each row's .pth format, in test order: the first row of each family legacy, the others zip. */
  private static final Map<String, String> FORMATS = new LinkedHashMap<>();
  private static Path refs;

  @TempDir
  Path work;

  @BeforeAll
  static void torchReferences() throws Exception {
    Set<String> families = new HashSet<>();
    for (String name : architectures().toList()) {
      FORMATS.put(name, families.add(ModelZoo.architecture(name).family()) ? "legacy" : "zip");
    }
    refs = TorchReferences.projectDir().resolve("target/zoo-logits");
    if (!Files.isDirectory(refs.resolve("images"))) {
      TorchReferences.run(SCRIPT, "zoo-logits", List.of());
    }
  }

  /**
   * Makes the references of {@code name} and of the rows right after it that lack theirs, up to
   * {@link #CHUNK_PARAMETERS} in all: torch starts once per chunk, and the weights of all rows
   * (7 GB) are never on disk at once, since each test deletes its {@code .pth} when done.
   */
  private static void ensureReferences(String name) throws Exception {
    if (hasReferences(name)) {
      return;
    }
    List<String> chunk = new ArrayList<>();
    long parameters = 0;
    for (String next : FORMATS.keySet().stream().dropWhile(n -> !n.equals(name)).toList()) {
      long size = ModelZoo.architecture(next).parameters();
      if (!chunk.isEmpty() && (parameters + size > CHUNK_PARAMETERS || hasReferences(next))) {
        break;
      }
      chunk.add(next + "=" + FORMATS.get(next));
      parameters += size;
    }
    TorchReferences.run(SCRIPT, "zoo-logits", chunk);
  }

  private static boolean hasReferences(String name) throws Exception {
    return Files.exists(refs.resolve(name + ".pth")) && TorchReferences.isFresh(refs.resolve(name + ".safetensors"),
        SCRIPT);
  }

  /**
   * Every torchvision row up to 150M parameters. The two larger rows (regnet_y_128gf, convnext_large)
   * are built by the same family code as rows checked here, and their structure is pinned by the
   * parameter counts of ModelZooTableTest; their references alone would take over 3 GB and most of
   * the suite's time.
   */
  static Stream<String> architectures() {
    return ModelZoo.ARCHITECTURES.stream().filter(name -> !name.equals(ModelZooTableTest.KERAS_ONLY))
        .filter(name -> ModelZoo.architecture(name).parameters() <= MAX_PARAMETERS);
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void convertThenPredictGivesTorchvisionsLogits(String name) throws Exception {
    ensureReferences(name);
    try {
      compareWithTorchvision(name);
    } finally {
      Files.deleteIfExists(refs.resolve(name + ".pth"));
    }
  }

  private void compareWithTorchvision(String name) throws Exception {
    Path missing = refs.resolve(name + ".missing");
    if (Files.exists(missing)) {
      fail(name + ": " + Files.readString(missing).strip());
    }
    Architecture row = ModelZoo.architecture(name);
    StateDict expected = StateDict.read(refs.resolve(name + ".safetensors"));
    List<String> images = isLarge(row) ? List.of(SHARED_SMALL_IMAGE) : ALL_IMAGES;
    Path imageDir = Files.createDirectories(work.resolve("images"));
    for (String image : images) {
      Files.copy(refs.resolve("images").resolve(image), imageDir.resolve(image));
    }

    // the same preprocessed tensor first, so a transform difference is not taken for a model one
    Pipeline pipeline = Pipeline.imagenetEval(row.eval());
    for (String image : images) {
      float[] actual = new float[pipeline.floatsPerImage()];
      pipeline.apply(ImageDecoder.decode(imageDir.resolve(image)), new SplittableRandom(0), actual, 0);
      float[] reference = expected.get("input." + stem(image)).floats();
      double levels = maxLevelDifference(actual, reference, row.eval().normalization().std(), pipeline.size());
      assertTrue(levels <= 1.0, name + " " + image + ": eval transforms differ from torchvision's by " + levels
          + " levels");
    }

    Path weights = work.resolve(name + ".safetensors");
    CliRun convert = CliRun.of("convert", "--in", refs.resolve(name + ".pth").toString(), "--out", weights.toString());
    assertEquals(0, convert.exitCode(), name + " convert: " + convert.err());
    CliRun predict = CliRun.of("predict", "--arch", name, "--weights", weights.toString(), "--images",
        imageDir.toString(), "--top", "1", "--output-logits");
    assertEquals(0, predict.exitCode(), name + " predict: " + predict.err());
    String[] lines = predict.out().strip().split("\n");
    assertEquals(images.size(), lines.length, predict.out());
    for (int i = 0; i < lines.length; i++) {
      JsonNode line = new ObjectMapper().readTree(lines[i]);
      String image = line.get("file").asText();
      assertEquals(images.get(i), image);
      float[] torch = expected.get("logits." + stem(image)).floats();
      JsonNode logits = line.get("logits");
      assertEquals(torch.length, logits.size(), name + ": number of logits");
      double maxLogit = 0;
      double maxDiff = 0;
      int torchArgmax = 0;
      for (int k = 0; k < torch.length; k++) {
        maxLogit = Math.max(maxLogit, Math.abs(torch[k]));
        maxDiff = Math.max(maxDiff, Math.abs(logits.get(k).asDouble() - torch[k]));
        torchArgmax = torch[k] > torch[torchArgmax] ? k : torchArgmax;
      }
      double bound = TOLERANCE * maxLogit;
      System.out.printf("%s %s: max |diff| / max |logit| = %.2e%n", name, image, maxDiff / maxLogit);
      assertTrue(maxDiff <= bound, name + " " + image + ": max |diff| " + maxDiff + " > " + bound);
      int javaArgmax = line.get("top").get(0).get("index").asInt();
      // the same class, unless torch's top two are closer than the tolerance
      assertTrue(javaArgmax == torchArgmax || torch[torchArgmax] - torch[javaArgmax] <= 2 * bound,
          name + " " + image + ": argmax " + javaArgmax + " vs torchvision's " + torchArgmax);
    }
  }

  /** Models whose forward passes dominate the suite's time: one image instead of three. */
  private static boolean isLarge(Architecture row) {
    return row.parameters() > 60_000_000L || row.eval().cropSize() > 300;
  }

  private static String stem(String file) {
    return file.substring(0, file.lastIndexOf('.'));
  }

  /** Max difference of HWC normalized floats from torch's CHW tensor, in 0..255 pixel levels. */
  private static double maxLevelDifference(float[] hwc, float[] chw, float[] std, int size) {
    double max = 0;
    for (int c = 0; c < 3; c++) {
      for (int p = 0; p < size * size; p++) {
        max = Math.max(max, Math.abs(hwc[p * 3 + c] - chw[c * size * size + p]) * std[c] * 255);
      }
    }
    return max;
  }
}
