package dev.tfjtransfer.config;

import java.util.List;

/**
 * {@code config.yaml}: the whole tutorial as one typed value. Every section has defaults, so a
 * config only states what differs. See {@code configs/} for one file per seed scenario.
 */
public record RunConfig(ModelConfig model, DataConfig data, List<String> freeze, String batchnorm,
    List<StageConfig> stages, EarlyStoppingConfig earlyStopping, String outputDir, Long seed, String device,
    Integer threads, Integer interOpThreads, String precision, Boolean validateBeforeTraining) {
  public RunConfig {
    model = model == null ? ModelConfig.DEFAULT : model;
    data = data == null ? DataConfig.DEFAULT : data;
    freeze = freeze == null ? List.of("none") : List.copyOf(freeze);
    batchnorm = batchnorm == null ? "frozen" : batchnorm;
    Checks.oneOf("batchnorm", batchnorm, "frozen", "train");
    stages = stages == null || stages.isEmpty() ? List.of(StageConfig.DEFAULT) : List.copyOf(stages);
    outputDir = outputDir == null ? "runs/default" : outputDir;
    seed = seed == null ? 0L : seed;
    device = device == null ? "cpu" : device;
    Checks.oneOf("device", device, "cpu", "gpu");
    threads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    Checks.positive("threads", threads);
    // two measured 3-10% faster than one for training on 2 cores (TFJAVA-NOTES)
    interOpThreads = interOpThreads == null ? 2 : interOpThreads;
    Checks.positive("inter_op_threads", interOpThreads);
    // bf16: oneDNN computes convolutions, matrix products and their gradients in bfloat16;
    // weights, optimizer state and the loss stay float32
    precision = precision == null ? "f32" : precision;
    Checks.oneOf("precision", precision, "f32", "bf16");
    // the tutorial validates the untrained model first (epoch 0 of metrics.csv)
    validateBeforeTraining = validateBeforeTraining == null || validateBeforeTraining;
  }

  public RunConfig withData(DataConfig next) {
    return new RunConfig(model, next, freeze, batchnorm, stages, earlyStopping, outputDir, seed, device, threads,
        interOpThreads, precision, validateBeforeTraining);
  }

  /** The architecture, its head, and the weights to start from. */
  public record ModelConfig(String arch, Integer numClasses, HeadConfig head, String weights, Boolean strict) {
    static final ModelConfig DEFAULT = new ModelConfig(null, null, null, null, null);

    public ModelConfig {
      arch = arch == null ? "resnet18" : arch;
      Checks.oneOf("model.arch", arch, "vgg16", "resnet18", "resnet34", "resnet50", "resnet50_keras");
      if (numClasses != null) {
        Checks.positive("model.num_classes", numClasses);
      }
      head = head == null ? HeadConfig.DEFAULT : head;
      strict = strict != null && strict;
    }
  }

  /** {@code type: linear} replaces classifier.6 / fc; {@code type: mlp} is the seeds' pooled MLP head. */
  public record HeadConfig(String type, Integer pool, List<Integer> hidden, Double dropout) {
    static final HeadConfig DEFAULT = new HeadConfig(null, null, null, null);

    public HeadConfig {
      type = type == null ? "linear" : type;
      Checks.oneOf("model.head.type", type, "linear", "mlp");
      pool = pool == null ? 3 : pool;
      hidden = hidden == null ? List.of(512, 128) : List.copyOf(hidden);
      dropout = dropout == null ? 0.5 : dropout;
      Checks.range("model.head.dropout", dropout, 0, 0.99);
    }
  }

  /** Dataset location, format, transforms and loading. */
  public record DataConfig(String root, String format, Boolean generateDemo, List<TransformConfig> trainTransforms,
      List<TransformConfig> valTransforms, NormalizeConfig normalize, Integer batchSize, Integer valBatchSize,
      Integer workers, Integer seed, String badImages) {
    static final DataConfig DEFAULT = new DataConfig(null, null, null, null, null, null, null, null, null, null, null);

    public DataConfig withNormalize(NormalizeConfig next) {
      return new DataConfig(root, format, generateDemo, trainTransforms, valTransforms, next, batchSize, valBatchSize,
          workers, seed, badImages);
    }

    public DataConfig {
      root = root == null ? "demo-data" : root;
      format = format == null ? "imagefolder" : format;
      // features: root/train/shards and root/val/shards as the Spark extract-features job writes them
      Checks.oneOf("data.format", format, "imagefolder", "cifar10", "features");
      generateDemo = generateDemo != null && generateDemo;
      trainTransforms = trainTransforms == null ? List.of(TransformConfig.randomResizedCrop(224),
          TransformConfig.flip(0.5)) : List.copyOf(trainTransforms);
      valTransforms = valTransforms == null ? List.of(TransformConfig.resize(256), TransformConfig.centerCrop(224))
          : List.copyOf(valTransforms);
      // null: what the weights file records (Keras' caffe mean), else ImageNet's mean and std
      batchSize = batchSize == null ? 16 : batchSize;
      Checks.positive("data.batch_size", batchSize);
      valBatchSize = valBatchSize == null ? 32 : valBatchSize;
      Checks.positive("data.val_batch_size", valBatchSize);
      workers = workers == null ? 2 : workers;
      Checks.range("data.workers", workers, 0, 64);
      seed = seed == null ? 0 : seed;
      badImages = badImages == null ? "skip" : badImages;
      Checks.oneOf("data.bad_images", badImages, "skip", "fail");
    }
  }

  /** Mean and std (RGB, 0..1 scale); {@code preset: imagenet} or {@code preset: none} for ToTensor only. */
  public record NormalizeConfig(String preset, List<Double> mean, List<Double> std) {
    static final NormalizeConfig IMAGENET = new NormalizeConfig("imagenet", null, null);

    /** Explicit values, as the resolved config of a run records them. */
    public static NormalizeConfig of(float[] mean, float[] std) {
      List<Double> m = new java.util.ArrayList<>();
      List<Double> s = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        m.add((double) mean[i]);
        s.add((double) std[i]);
      }
      return new NormalizeConfig(null, m, s);
    }

    public NormalizeConfig {
      if (preset == null && (mean == null || std == null)) {
        throw new IllegalArgumentException("data.normalize needs preset (imagenet, none) or both mean and std");
      }
      if (preset != null) {
        Checks.oneOf("data.normalize.preset", preset, "imagenet", "none");
      }
      if (mean != null && (mean.size() != 3 || std == null || std.size() != 3)) {
        throw new IllegalArgumentException("data.normalize.mean and std need 3 values each (RGB)");
      }
    }
  }

  /** One training stage: which weights to unfreeze, for how long, and how to optimize them. */
  public record StageConfig(String name, Integer epochs, List<String> unfreeze, List<String> freeze,
      OptimizerConfig optimizer, List<GroupConfig> groups, ScheduleConfig schedule, Boolean keepOptimizerState,
      Double labelSmoothing, Boolean noDecayOnNormAndBias, Boolean cacheFeatures) {
    static final StageConfig DEFAULT = new StageConfig(null, null, null, null, null, null, null, null, null, null,
        null);

    public StageConfig {
      name = name == null ? "train" : name;
      epochs = epochs == null ? 5 : epochs;
      Checks.range("stages[].epochs", epochs, 1, 100000);
      unfreeze = unfreeze == null ? List.of() : List.copyOf(unfreeze);
      freeze = freeze == null ? List.of() : List.copyOf(freeze);
      optimizer = optimizer == null ? OptimizerConfig.DEFAULT : optimizer;
      groups = groups == null || groups.isEmpty() ? List.of(GroupConfig.DEFAULT) : List.copyOf(groups);
      schedule = schedule == null ? ScheduleConfig.DEFAULT : schedule;
      keepOptimizerState = keepOptimizerState == null || keepOptimizerState;
      labelSmoothing = labelSmoothing == null ? 0.0 : labelSmoothing;
      Checks.range("stages[].label_smoothing", labelSmoothing, 0, 0.99);
      noDecayOnNormAndBias = noDecayOnNormAndBias != null && noDecayOnNormAndBias;
      // compute the frozen backbone's features once (needs deterministic train_transforms)
      cacheFeatures = cacheFeatures != null && cacheFeatures;
    }
  }

  /** sgd (momentum, dampening, nesterov), adam or adamw (betas, eps). */
  public record OptimizerConfig(String type, Double momentum, Double dampening, Boolean nesterov, List<Double> betas,
      Double eps) {
    static final OptimizerConfig DEFAULT = new OptimizerConfig(null, null, null, null, null, null);

    public OptimizerConfig {
      type = type == null ? "sgd" : type;
      Checks.oneOf("optimizer.type", type, "sgd", "adam", "adamw");
      momentum = momentum == null ? 0.9 : momentum;
      dampening = dampening == null ? 0.0 : dampening;
      nesterov = nesterov != null && nesterov;
      betas = betas == null ? List.of(0.9, 0.999) : List.copyOf(betas);
      if (betas.size() != 2) {
        throw new IllegalArgumentException("optimizer.betas needs two values; received: " + betas);
      }
      eps = eps == null ? 1e-8 : eps;
    }
  }

  /** A parameter group: name patterns (empty = every remaining trainable weight), lr, weight decay. */
  public record GroupConfig(String name, List<String> params, Double lr, Double weightDecay) {
    static final GroupConfig DEFAULT = new GroupConfig(null, null, null, null);

    public GroupConfig {
      params = params == null ? List.of() : List.copyOf(params);
      name = name == null ? (params.isEmpty() ? "all" : String.join("+", params)) : name;
      lr = lr == null ? 0.001 : lr;
      Checks.range("groups[].lr", lr, 0, 10);
      weightDecay = weightDecay == null ? 0.0 : weightDecay;
      Checks.range("groups[].weight_decay", weightDecay, 0, 10);
    }
  }

  /** constant, step (step_size, gamma), multistep (milestones, gamma), cosine (warmup_epochs, eta_min), onecycle. */
  public record ScheduleConfig(String type, Integer stepSize, Double gamma, List<Integer> milestones,
      Integer warmupEpochs, Double warmupStartFactor, Double etaMin, Double pctStart) {
    static final ScheduleConfig DEFAULT = new ScheduleConfig(null, null, null, null, null, null, null, null);

    public ScheduleConfig {
      type = type == null ? "constant" : type;
      Checks.oneOf("schedule.type", type, "constant", "step", "multistep", "cosine", "onecycle");
      stepSize = stepSize == null ? 7 : stepSize;
      Checks.positive("schedule.step_size", stepSize);
      gamma = gamma == null ? 0.1 : gamma;
      milestones = milestones == null ? List.of() : List.copyOf(milestones);
      warmupEpochs = warmupEpochs == null ? 0 : warmupEpochs;
      warmupStartFactor = warmupStartFactor == null ? 0.1 : warmupStartFactor;
      etaMin = etaMin == null ? 0.0 : etaMin;
      pctStart = pctStart == null ? 0.3 : pctStart;
    }
  }

  /** Stops when validation accuracy has not improved for {@code patience} epochs. */
  public record EarlyStoppingConfig(Integer patience) {
    public EarlyStoppingConfig {
      patience = patience == null ? 5 : patience;
      Checks.positive("early_stopping.patience", patience);
    }
  }
}
