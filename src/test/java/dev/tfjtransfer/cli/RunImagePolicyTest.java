package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict --run} and {@code evaluate --run} read images as the run's config says
 * ({@code data.bad_images}, {@code data.max_image_pixels}), not with the defaults.
 */
class RunImagePolicyTest {
  @TempDir
  static Path dir;

  /** An ImageFolder of two classes: a 40x40 image each, and a 100x100 one over the runs' 5000-pixel limit. */
  static Path images;

  @BeforeAll
  static void imagesAndWeights() throws IOException {
    images = dir.resolve("images");
    png(images.resolve("ants/small.png"), 40);
    png(images.resolve("bees/small.png"), 40);
    png(images.resolve("bees/large.png"), 100);
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(2))) {
      model.initialize(1);
      Safetensors.write(model.stateDict(), dir.resolve("best.safetensors"));
    }
  }

  @Test
  void predictAndEvaluateOfAFailRunStopAtTheImageOverItsLimit() throws Exception {
    Path run = run("fail");
    Result predict = cli("predict", "--run", run.toString(), "--images", images.resolve("bees").toString());
    assertEquals(1, predict.code(), predict.err());
    assertTrue(predict.err().startsWith("error: " + images.resolve("bees/large.png") + ": 100x100 image")
        && predict.err().contains("limit of 5000 pixels"), predict.err());

    Result evaluate = cli("evaluate", "--run", run.toString(), "--images", images.toString());
    assertEquals(1, evaluate.code(), evaluate.err());
    assertTrue(evaluate.err().startsWith("error: " + images.resolve("bees/large.png") + ": 100x100 image"),
        evaluate.err());
  }

  @Test
  void predictAndEvaluateOfASkipRunLeaveOutTheImageOverItsLimit() throws Exception {
    Path run = run("skip");
    Result predict = cli("predict", "--run", run.toString(), "--images", images.resolve("bees").toString(),
        "--format", "csv");
    assertEquals(0, predict.code(), predict.err());
    assertTrue(predict.out().contains("small.png") && !predict.out().contains("large.png"), predict.out());
    assertTrue(predict.err().contains("large.png") && predict.err().contains("1 of 2 files"), predict.err());

    Result evaluate = cli("evaluate", "--run", run.toString(), "--images", images.toString());
    assertEquals(0, evaluate.code(), evaluate.err());
    assertTrue(evaluate.out().startsWith("2 images:"), evaluate.out());
  }

  /** A run directory as train leaves it, whose config reads images with {@code badImages} and a 5000-pixel limit. */
  private static Path run(String badImages) throws IOException {
    Path run = Files.createDirectories(dir.resolve("run-" + badImages));
    String yaml = """
        model: {arch: resnet18}
        data:
          root: %s
          val_transforms: [{resize: {size: 32}}, {center_crop: {size: 32}}]
          bad_images: %s
          max_image_pixels: 5000
        stages: [{epochs: 1, groups: [{lr: 0.01}]}]
        """.formatted(images, badImages);
    Files.writeString(run.resolve("config.yaml"), ConfigLoader.toYaml(ConfigLoader.parse(yaml, "test", List.of())));
    Files.write(run.resolve("class_names.txt"), List.of("ants", "bees"));
    Files.copy(dir.resolve("best.safetensors"), run.resolve("best.safetensors"));
    return run;
  }

  private static void png(Path file, int size) throws IOException {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        image.setRGB(x, y, (x * 255 / size) << 16 | (y * 255 / size) << 8);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  private record Result(int code, String out, String err) {}

  /** The CLI in this JVM; predict and evaluate print to System.out and System.err. */
  private static Result cli(String... args) {
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    try {
      int code = Main.commandLine().setErr(new java.io.PrintWriter(System.err, true)).execute(args);
      return new Result(code, out.toString(), err.toString());
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
  }
}
