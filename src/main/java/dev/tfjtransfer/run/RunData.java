package dev.tfjtransfer.run;

import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.BadImagePolicy;
import dev.tfjtransfer.data.ClassWeights;
import dev.tfjtransfer.data.WeightedRandomSampler;
import dev.tfjtransfer.data.Cifar10;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.FeatureShards;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The train and val loaders a config describes, checked before any training starts. */
record RunData(DataLoader train, DataLoader val, List<String> classes, Normalization normalization) implements
    AutoCloseable {

  /** Where an {@code extract-features} output directory keeps its feature shards. */
  static final String SHARDS = "shards";

  /**
   * @param seed seeds the order and augmentation ({@link RunConfig#dataSeed()})
   * @param normalization the resolved normalization (config, else the weights' record, else ImageNet)
   */
  static RunData open(RunConfig.DataConfig config, long seed, Normalization normalization) throws IOException {
    Path root = Path.of(config.root());
    if (config.generateDemo() && !Files.exists(root)) {
      DemoDataset.generate(root, 40, 12, 0);
    }
    Dataset train;
    Dataset val;
    if (config.format().equals("features")) {
      train = FeatureShards.read(root.resolve("train").resolve(SHARDS));
      val = FeatureShards.read(root.resolve("val").resolve(SHARDS));
    } else {
      train = config.format().equals("cifar10") ? Cifar10.train(root)
          : ImageFolder.open(root.resolve("train"), config.maxImagePixels());
      val = valDataset(config);
    }
    if (!train.classes().equals(val.classes())) {
      throw new IOException(root + ": train and val hold different classes: " + train.classes() + " vs "
          + val.classes());
    }
    Pipeline trainPipeline = Pipelines.of(config.trainTransforms(), normalization, "data.train_transforms");
    Pipeline valPipeline = Pipelines.eval(config, normalization);
    if (trainPipeline.size() != valPipeline.size()) {
      throw new IllegalArgumentException("data.train_transforms make " + trainPipeline.size()
          + " pixel images but data.val_transforms make " + valPipeline.size());
    }
    BadImagePolicy bad = badImagePolicy(config);
    DataLoader.Builder trainBuilder = DataLoader.builder(train, trainPipeline).optBatchSize(config.batchSize())
        .optShuffle(true).optWorkers(config.workers()).optSeed(seed).optBadImages(bad);
    if (config.sampler() != null) {
      List<Double> classWeights = StageSetups.classWeights(config.sampler().classWeights(), ClassWeights.counts(train));
      trainBuilder.optSampler(new WeightedRandomSampler(ClassWeights.perSample(train, classWeights),
          config.sampler().numSamples() == null ? train.size() : config.sampler().numSamples()));
    }
    DataLoader trainLoader = trainBuilder.build();
    DataLoader valLoader = DataLoader.builder(val, valPipeline).optBatchSize(config.valBatchSize())
        .optWorkers(config.workers()).optSeed(seed).optBadImages(bad).build();
    return new RunData(trainLoader, valLoader, train.classes(), normalization);
  }

  /** {@code data.bad_images}: skip (the default) or fail. */
  static BadImagePolicy badImagePolicy(RunConfig.DataConfig config) {
    return config.badImages().equals("fail") ? BadImagePolicy.FAIL : BadImagePolicy.SKIP;
  }

  /** The validation images a config names: root/val, or CIFAR-10's test batch. */
  static Dataset valDataset(RunConfig.DataConfig config) throws IOException {
    Path root = Path.of(config.root());
    if (config.format().equals("cifar10")) {
      return Cifar10.test(root);
    }
    if (!Files.isDirectory(root.resolve("val"))) {
      throw new IOException(root.resolve("val") + ": validation directory is missing (expected " + root
          + "/train/<class>/ and " + root + "/val/<class>/)");
    }
    return ImageFolder.open(root.resolve("val"), config.maxImagePixels());
  }

  static Normalization normalization(RunConfig.NormalizeConfig config) {
    if (config == null) {
      return Normalization.IMAGENET;
    }
    if (config.mean() != null) {
      return new Normalization(floats(config.mean()), floats(config.std()));
    }
    return config.preset().equals("none") ? Normalization.NONE : Normalization.IMAGENET;
  }

  private static float[] floats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  /** Whether the samples are precomputed backbone features rather than images. */
  boolean isFeatures() {
    return train.dataset() instanceof FeatureShards;
  }

  int imageSize() {
    return train.pipeline().size();
  }

  @Override
  public void close() {
    train.close();
    val.close();
  }
}
