package dev.tfjtransfer.config;

import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.List;

/**
 * {@code config.yaml}: the whole tutorial as one typed value. Every section has defaults, so a
 * config only states what differs. See {@code configs/} for one file per seed scenario.
 */
public record RunConfig(ModelConfig model, DataConfig data, List<String> freeze, String batchnorm,
    List<StageConfig> stages, EarlyStoppingConfig earlyStopping, String outputDir, Long seed, String device,
    Integer threads, Integer interOpThreads, String precision, Boolean validateBeforeTraining, TtaConfig tta) {
  public RunConfig {
    model = model == null ? ModelConfig.DEFAULT : model;
    data = (data == null ? DataConfig.DEFAULT : data).withDefaultTransforms(ModelZoo.architecture(model.arch()).eval());
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
    tta = tta == null ? TtaConfig.DEFAULT : tta;
  }

  /**
   * The seed of data order and augmentation: {@code data.seed} when given, else {@code seed}, so
   * runs that differ only in {@code seed} also see the data in a different order (as in PyTorch,
   * where one {@code torch.manual_seed} drives init, dropout and the DataLoader's shuffling).
   */
  public long dataSeed() {
    return data.seed() != null ? data.seed() : seed;
  }

  public RunConfig withData(DataConfig next) {
    return new RunConfig(model, next, freeze, batchnorm, stages, earlyStopping, outputDir, seed, device, threads,
        interOpThreads, precision, validateBeforeTraining, tta);
  }

  /** The architecture, its head, and the weights to start from. */
  public record ModelConfig(String arch, Integer numClasses, HeadConfig head, String weights, Boolean strict) {
    static final ModelConfig DEFAULT = new ModelConfig(null, null, null, null, null);

    public ModelConfig {
      arch = arch == null ? "resnet18" : arch;
      Checks.oneOf("model.arch", arch, ModelZoo.ARCHITECTURES.toArray(String[]::new));
      if (numClasses != null) {
        Checks.positive("model.num_classes", numClasses);
      }
      head = head == null ? HeadConfig.DEFAULT : head;
      // strict: only the replaced head's weights may be left out; false loads whatever fits
      strict = strict == null || strict;
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
      Integer workers, Long seed, String badImages, Long maxImagePixels, SamplerConfig sampler) {
    static final DataConfig DEFAULT = new DataConfig(null, null, null, null, null, null, null, null, null, null, null,
        null, null);

    /**
     * Unset transforms from the architecture's eval preset, as torchvision's reference recipes do:
     * train RandomResizedCrop(crop) + flip, val Resize(resize, interpolation) + CenterCrop(crop).
     */
    DataConfig withDefaultTransforms(EvalPreset preset) {
      List<TransformConfig> train = trainTransforms != null ? trainTransforms
          : List.of(TransformConfig.randomResizedCrop(preset.cropSize()), TransformConfig.flip(0.5));
      List<TransformConfig> val = valTransforms != null ? valTransforms
          : List.of(TransformConfig.resize(preset.resizeSize(), preset.interpolation()),
              TransformConfig.centerCrop(preset.cropSize()));
      return new DataConfig(root, format, generateDemo, train, val, normalize, batchSize, valBatchSize, workers, seed,
          badImages, maxImagePixels, sampler);
    }

    public DataConfig withNormalize(NormalizeConfig next) {
      return new DataConfig(root, format, generateDemo, trainTransforms, valTransforms, next, batchSize, valBatchSize,
          workers, seed, badImages, maxImagePixels, sampler);
    }

    public DataConfig {
      root = root == null ? "demo-data" : root;
      format = format == null ? "imagefolder" : format;
      // features: root/train/shards and root/val/shards as the Spark extract-features job writes them
      Checks.oneOf("data.format", format, "imagefolder", "cifar10", "features");
      generateDemo = generateDemo != null && generateDemo;
      // null until RunConfig fills them from the architecture's eval preset
      trainTransforms = trainTransforms == null ? null : List.copyOf(trainTransforms);
      valTransforms = valTransforms == null ? null : List.copyOf(valTransforms);
      if (trainTransforms != null) {
        TransformConfigs.toTensorTransforms(trainTransforms, "data.train_transforms");
      }
      if (valTransforms != null) {
        TransformConfigs.toTensorTransforms(valTransforms, "data.val_transforms");
      }
      // null: what the weights file records (Keras' caffe mean), else the architecture's preset
      batchSize = batchSize == null ? 16 : batchSize;
      Checks.positive("data.batch_size", batchSize);
      valBatchSize = valBatchSize == null ? 32 : valBatchSize;
      Checks.positive("data.val_batch_size", valBatchSize);
      workers = workers == null ? 2 : workers;
      Checks.range("data.workers", workers, 0, 64);
      badImages = badImages == null ? "skip" : badImages;
      Checks.oneOf("data.bad_images", badImages, "skip", "fail");
      // images declaring more pixels are unreadable (decompression bombs); PIL's limit by default
      maxImagePixels = maxImagePixels == null ? ImageDecoder.DEFAULT_MAX_PIXELS : maxImagePixels;
      Checks.positive("data.max_image_pixels", maxImagePixels);
    }
  }

  /**
   * A weighted random sampler for the training set (torch's WeightedRandomSampler, with
   * replacement): each sample weighs its class's weight, {@code balanced} (1 / count, in effect)
   * or one value per class; {@code num_samples} draws per epoch (default: the dataset's size).
   */
  public record SamplerConfig(Object classWeights, Integer numSamples) {
    public SamplerConfig {
      classWeights = ClassWeightsValue.check("data.sampler.class_weights", classWeights == null ? "balanced"
          : classWeights);
      if (numSamples != null) {
        Checks.positive("data.sampler.num_samples", numSamples);
      }
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
      Double labelSmoothing, Boolean noDecayOnNormAndBias, Boolean cacheFeatures, String type, FineTuneConfig fineTune,
      MixupConfig mixup, Integer accumulateGradBatches, EmaConfig ema, Object classWeights) {
    static final StageConfig DEFAULT = new StageConfig(null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null);

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
      // fine_tune: fastai's fine_tune (head alone, then all with discriminative rates, one-cycle each)
      type = type == null ? "train" : type;
      Checks.oneOf("stages[].type", type, "train", "fine_tune");
      fineTune = fineTune == null && type.equals("fine_tune") ? FineTuneConfig.DEFAULT : fineTune;
      if (fineTune != null && !type.equals("fine_tune")) {
        throw new IllegalArgumentException("stages[].fine_tune is set but stages[].type is '" + type
            + "'; add type: fine_tune");
      }
      accumulateGradBatches = accumulateGradBatches == null ? 1 : accumulateGradBatches;
      Checks.range("stages[].accumulate_grad_batches", accumulateGradBatches, 1, 4096);
      if (classWeights != null) {
        classWeights = ClassWeightsValue.check("stages[].class_weights", classWeights);
      }
    }
  }

  /** fastai fine_tune's arguments; epochs is the stage's (the unfrozen part), lr its base_lr. */
  public record FineTuneConfig(Integer freezeEpochs, Double lr, Double lrMult, Double pctStart, Double div) {
    static final FineTuneConfig DEFAULT = new FineTuneConfig(null, null, null, null, null);

    public FineTuneConfig {
      freezeEpochs = freezeEpochs == null ? 1 : freezeEpochs;
      Checks.range("fine_tune.freeze_epochs", freezeEpochs, 0, 100000);
      lr = lr == null ? 2e-3 : lr;
      Checks.range("fine_tune.lr", lr, 1e-12, 10);
      lrMult = lrMult == null ? 100.0 : lrMult;
      Checks.range("fine_tune.lr_mult", lrMult, 1, 1e6);
      pctStart = pctStart == null ? 0.3 : pctStart;
      Checks.range("fine_tune.pct_start", pctStart, 0.01, 0.99);
      div = div == null ? 5.0 : div;
      Checks.range("fine_tune.div", div, 1e-3, 1e6);
    }
  }

  /** timm's Mixup(mode='batch'); the stage's label_smoothing goes into its targets. */
  public record MixupConfig(Double mixupAlpha, Double cutmixAlpha, Double prob, Double switchProb) {
    public MixupConfig {
      mixupAlpha = mixupAlpha == null ? 0.8 : mixupAlpha;
      Checks.range("mixup.mixup_alpha", mixupAlpha, 0, 100);
      cutmixAlpha = cutmixAlpha == null ? 1.0 : cutmixAlpha;
      Checks.range("mixup.cutmix_alpha", cutmixAlpha, 0, 100);
      if (mixupAlpha == 0 && cutmixAlpha == 0) {
        throw new IllegalArgumentException("mixup needs mixup_alpha > 0 or cutmix_alpha > 0");
      }
      prob = prob == null ? 1.0 : prob;
      Checks.range("mixup.prob", prob, 0, 1);
      switchProb = switchProb == null ? 0.5 : switchProb;
      Checks.range("mixup.switch_prob", switchProb, 0, 1);
    }
  }

  /**
   * timm's ModelEmaV2 (or V3 with warm-up); {@code evaluate: true} validates and checkpoints the
   * averaged weights.
   */
  public record EmaConfig(Double decay, Boolean warmup, Double warmupGamma, Double warmupPower, Double minDecay,
      Boolean evaluate) {
    public EmaConfig {
      decay = decay == null ? 0.9998 : decay;
      Checks.range("ema.decay", decay, 0, 1);
      warmup = warmup != null && warmup;
      warmupGamma = warmupGamma == null ? 1.0 : warmupGamma;
      Checks.range("ema.warmup_gamma", warmupGamma, 1e-9, 1e9);
      warmupPower = warmupPower == null ? 2.0 / 3 : warmupPower;
      Checks.range("ema.warmup_power", warmupPower, 1e-9, 100);
      minDecay = minDecay == null ? 0.0 : minDecay;
      Checks.range("ema.min_decay", minDecay, 0, decay);
      evaluate = evaluate == null || evaluate;
    }
  }

  /** {@code balanced} or one non-negative number per class. */
  static final class ClassWeightsValue {
    private ClassWeightsValue() {}

    static Object check(String key, Object value) {
      if ("balanced".equals(value)) {
        return value;
      }
      if (value instanceof List<?> list && !list.isEmpty()
          && list.stream().allMatch(v -> v instanceof Number n && n.doubleValue() >= 0)) {
        return list.stream().map(v -> ((Number) v).doubleValue()).toList();
      }
      throw new IllegalArgumentException(key + " must be 'balanced' or a list of one weight >= 0 per class; received: "
          + value);
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

  /**
   * constant, step (step_size, gamma), multistep (milestones, gamma), cosine (warmup_epochs, eta_min),
   * onecycle (pct_start, div_factor, final_div_factor; stepped per batch), plateau (torch's
   * ReduceLROnPlateau: monitor val_loss/val_accuracy, mode, factor, patience, threshold,
   * threshold_mode, cooldown, min_lr, eps).
   */
  public record ScheduleConfig(String type, Integer stepSize, Double gamma, List<Integer> milestones,
      Integer warmupEpochs, Double warmupStartFactor, Double etaMin, Double pctStart, Double divFactor,
      Double finalDivFactor, String monitor, String mode, Double factor, Integer patience, Double threshold,
      String thresholdMode, Integer cooldown, List<Double> minLr, Double eps) {
    static final ScheduleConfig DEFAULT = new ScheduleConfig(null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, null);

    public ScheduleConfig {
      type = type == null ? "constant" : type;
      Checks.oneOf("schedule.type", type, "constant", "step", "multistep", "cosine", "onecycle", "plateau");
      stepSize = stepSize == null ? 7 : stepSize;
      Checks.positive("schedule.step_size", stepSize);
      gamma = gamma == null ? 0.1 : gamma;
      milestones = milestones == null ? List.of() : List.copyOf(milestones);
      warmupEpochs = warmupEpochs == null ? 0 : warmupEpochs;
      warmupStartFactor = warmupStartFactor == null ? 0.1 : warmupStartFactor;
      etaMin = etaMin == null ? 0.0 : etaMin;
      pctStart = pctStart == null ? 0.3 : pctStart;
      divFactor = divFactor == null ? 25.0 : divFactor;
      finalDivFactor = finalDivFactor == null ? 1e4 : finalDivFactor;
      monitor = monitor == null ? "val_loss" : monitor;
      Checks.oneOf("schedule.monitor", monitor, "val_loss", "val_accuracy");
      mode = mode == null ? (monitor.equals("val_loss") ? "min" : "max") : mode;
      Checks.oneOf("schedule.mode", mode, "min", "max");
      factor = factor == null ? 0.1 : factor;
      Checks.range("schedule.factor", factor, 0, 0.999999);
      patience = patience == null ? 10 : patience;
      Checks.range("schedule.patience", patience, 0, 100000);
      threshold = threshold == null ? 1e-4 : threshold;
      Checks.range("schedule.threshold", threshold, 0, 1e9);
      thresholdMode = thresholdMode == null ? "rel" : thresholdMode;
      Checks.oneOf("schedule.threshold_mode", thresholdMode, "rel", "abs");
      cooldown = cooldown == null ? 0 : cooldown;
      Checks.range("schedule.cooldown", cooldown, 0, 100000);
      minLr = minLr == null ? List.of(0.0) : List.copyOf(minLr);
      eps = eps == null ? 1e-8 : eps;
    }
  }

  /**
   * Test-time augmentation in the validation phase and the end-of-training evaluation, reported
   * beside the plain figures: {@code mode} none (default), flip, five_crop or ten_crop;
   * {@code select_best: true} picks the best checkpoint (and so early stopping) by the TTA accuracy
   * instead of the plain one.
   */
  public record TtaConfig(String mode, Boolean selectBest) {
    static final TtaConfig DEFAULT = new TtaConfig(null, null);

    public TtaConfig {
      mode = mode == null ? "none" : mode;
      Checks.oneOf("tta.mode", mode, "none", "flip", "five_crop", "ten_crop");
      selectBest = selectBest != null && selectBest;
      if (selectBest && mode.equals("none")) {
        throw new IllegalArgumentException("tta.select_best needs tta.mode flip, five_crop or ten_crop; tta.mode is"
            + " none");
      }
    }

    public TestTimeAugmentation views() {
      return TestTimeAugmentation.parse(mode);
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
