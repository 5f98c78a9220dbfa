package dev.tfjtransfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.FeatureShards;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training a head on cached backbone features (frozen backbone, deterministic transforms) ends
 * with the same head weights as training on the images, and is faster per epoch; also for
 * ConvNeXt, whose head input is inside its classifier (after LayerNorm2d and Flatten).
 */
class FeatureCacheTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void data() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 6, 2, 4);
  }

  private record Run(StateDict weights, History history, double seconds) {}

  private static Run train(String architecture, boolean cached, int epochs) throws Exception {
    Pipeline deterministic = new Pipeline(List.of(Transforms.resizeShorter(72), Transforms.centerCrop(64)),
        Normalization.IMAGENET, 64);
    String head = ModelZoo.headPrefix(architecture, HeadSpec.linear(3));
    try (Model model = ModelZoo.create(architecture, HeadSpec.linear(3), 64, 64, SessionOptions.defaults());
        DataLoader train = DataLoader.builder(ImageFolder.open(dir.resolve("data/train")), deterministic)
            .optBatchSize(4).optShuffle(true).optSeed(7).optWorkers(2).build();
        DataLoader val = DataLoader.builder(ImageFolder.open(dir.resolve("data/val")), deterministic)
            .optBatchSize(4).optWorkers(2).build()) {
      model.initialize(3);
      Trainer trainer = new Trainer(model, head, 0);
      trainer.freeze(FreezeSpec.allButHead());
      trainer.compile(TrainingSetup.sgd(0.05), false);
      long t0 = System.nanoTime();
      History history = cached ? trainer.fitOnCachedFeatures(train, val, epochs, List.of(), false)
          : trainer.fit(train, val, epochs, List.of(), false);
      return new Run(model.stateDict(), history, (System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * resnet18's head is one Linear; mobilenet_v3_small's replaced classifier.3 follows frozen
   * classifier.0 (Linear, Hardswish) and a Dropout that must draw the same masks on both paths;
   * convnext_tiny's head input is classifier.1's output, after the classifier's LayerNorm.
   */
  @ParameterizedTest
  @ValueSource(strings = {"resnet18", "mobilenet_v3_small", "convnext_tiny"})
  void cachedFeaturesGiveTheSameHeadAsTrainingOnImages(String architecture) throws Exception {
    Run images = train(architecture, false, 4);
    Run cached = train(architecture, true, 4);
    String head = ModelZoo.headPrefix(architecture, HeadSpec.linear(3));
    for (String name : List.of(head + ".weight", head + ".bias")) {
      float[] a = images.weights().get(name).floats();
      float[] b = cached.weights().get(name).floats();
      double error = Arrays4d.maxAbsDiff(a, b) / Arrays4d.maxAbs(a);
      assertTrue(error < 1e-5, name + " differs by " + error);
    }
    assertEquals(images.history().rows().size(), cached.history().rows().size());
    for (int i = 0; i < images.history().rows().size(); i++) {
      assertEquals(images.history().rows().get(i).accuracy(), cached.history().rows().get(i).accuracy(), 1e-9);
    }
    System.out.printf("%s: 4 epochs on images %.2fs, on cached features %.2fs (including the caching pass)%n",
        architecture, images.seconds(), cached.seconds());
  }

  /**
   * The backbone's features written as shards (out of order, as Spark's partitions come) and read
   * back train the same head as cached features: FeatureShards restores ImageFolder's order, so the
   * seeded shuffle draws the same batches.
   */
  @Test
  void featureShardsTrainTheSameHeadAsCachedFeatures() throws Exception {
    Pipeline deterministic = new Pipeline(List.of(Transforms.resizeShorter(72), Transforms.centerCrop(64)),
        Normalization.IMAGENET, 64);
    for (String split : List.of("train", "val")) {
      ImageFolder images = ImageFolder.open(dir.resolve("data").resolve(split));
      float[][] features = new float[images.size()][];
      try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64, SessionOptions.defaults())) {
        model.initialize(3);
        for (int i = 0; i < images.size(); i++) {
          float[] pixels = new float[deterministic.floatsPerImage()];
          deterministic.apply(images.image(i), new java.util.SplittableRandom(0), pixels, 0);
          try (org.tensorflow.types.TFloat32 x = org.tensorflow.types.TFloat32.tensorOf(
                  org.tensorflow.ndarray.Shape.of(1, 64, 64, 3));
              org.tensorflow.Result r = feedPixels(model, x, pixels)) {
            features[i] = new float[512];
            r.get(0).asRawTensor().data().asFloats().read(features[i]);
          }
        }
      }
      // two shards, the second half first, each in reverse order
      Path shards = java.nio.file.Files.createDirectories(dir.resolve("shards").resolve(split));
      int half = images.size() / 2;
      for (int[] range : new int[][] {{half, images.size()}, {0, half}}) {
        List<String> paths = new java.util.ArrayList<>();
        List<float[]> rows = new java.util.ArrayList<>();
        List<Integer> labels = new java.util.ArrayList<>();
        for (int i = range[1] - 1; i >= range[0]; i--) {
          paths.add(images.file(i).toString());
          rows.add(features[i]);
          labels.add(images.label(i));
        }
        FeatureShards.write(shards.resolve("part-" + range[0] + ".safetensors"), images.classes(), paths,
            rows.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    StateDict onShards;
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64, SessionOptions.defaults());
        DataLoader train = DataLoader.builder(FeatureShards.read(dir.resolve("shards/train")), deterministic)
            .optBatchSize(4).optShuffle(true).optSeed(7).build();
        DataLoader val = DataLoader.builder(FeatureShards.read(dir.resolve("shards/val")), deterministic)
            .optBatchSize(4).build()) {
      model.initialize(3);
      Trainer trainer = new Trainer(model, "fc", 0);
      trainer.freeze(FreezeSpec.allButHead());
      trainer.compile(TrainingSetup.sgd(0.05), false);
      trainer.fitOnFeatures(train, val, 4, List.of(), false);
      onShards = model.stateDict();
    }
    Run cached = train("resnet18", true, 4);
    for (String name : List.of("fc.weight", "fc.bias")) {
      float[] a = cached.weights().get(name).floats();
      float[] b = onShards.get(name).floats();
      double error = Arrays4d.maxAbsDiff(a, b) / Arrays4d.maxAbs(a);
      assertTrue(error < 1e-5, name + " differs by " + error);
    }
  }

  private static org.tensorflow.Result feedPixels(Model model, org.tensorflow.types.TFloat32 x, float[] pixels) {
    x.asRawTensor().data().asFloats().write(pixels);
    return model.session().runner().feed(model.images(), x)
        .fetch(ModelZoo.headInput("resnet18").of(model.inference())).run();
  }

  @Test
  void randomTransformsCannotBeCached() throws Exception {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), 64, 64, SessionOptions.defaults());
        DataLoader train = DataLoader.builder(ImageFolder.open(dir.resolve("data/train")),
            new Pipeline(List.of(Transforms.randomResizedCrop(64)), Normalization.IMAGENET, 64)).build()) {
      Trainer trainer = new Trainer(model, "fc", 0);
      trainer.freeze(FreezeSpec.allButHead());
      trainer.compile(TrainingSetup.sgd(0.05), false);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> trainer.fitOnCachedFeatures(train, train, 1, List.of(), false));
      assertTrue(e.getMessage().contains("deterministic"), e.getMessage());
    }
  }
}
