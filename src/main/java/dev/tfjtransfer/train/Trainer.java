package dev.tfjtransfer.train;

import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.FeatureShards;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.infer.Prediction;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadInput;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Keras-shaped training of a {@link Model}: {@link #compile} with a {@link TrainingSetup}, then
 * {@link #fit} on a training and a validation loader, as the PyTorch tutorial's train_model does:
 * a validation of the untrained head first (epoch 0; {@link #setValidateBeforeTraining} turns it
 * off), then a train and a val phase per epoch, tracking the best validation accuracy and
 * restoring its weights at the end. Freeze, unfreeze and compile again for a second stage; the
 * optimizer state of weights that stay trainable is kept or reset by choice.
 */
public final class Trainer {
  private final Model model;
  private final String headPrefix;
  private final long seed;
  private final OptimizerState optimizerState;
  private final Placeholder<TInt32> evalLabels;
  private final Operand<TFloat32> evalLoss;
  private final Operand<TInt32> evalCorrect;
  private TrainingSetup setup;
  private TrainingStep step;
  private TrainerState state = TrainerState.fresh();
  private StateDict bestWeights;
  /** The validation pass that chose {@link #bestWeights} (null if unknown, e.g. after a resume). */
  private Evaluation bestValidation;
  private ModelEma ema;
  private ReduceLROnPlateau.State plateauState;
  private boolean validateBeforeTraining = true;
  private TestTimeAugmentation validationTta = TestTimeAugmentation.NONE;
  private boolean selectBestOnTta;

  /**
   * What an evaluation measured; {@code logits} is {@code images x classes}, row-major, in the
   * loader's order (of the plain input under test-time augmentation, whose figures are
   * {@code ttaLoss} and {@code ttaAccuracy}, null without); {@code indices} are the samples'
   * dataset indices, {@code fromImages} whether it fed images (not cached features).
   */
  public record Evaluation(double loss, double accuracy, int images, double seconds, int[] predictions, int[] labels,
      int[] indices, float[] logits, Double ttaLoss, Double ttaAccuracy, boolean fromImages) {}

  /**
   * @param headPrefix the head's module ({@code fc}, {@code classifier.6}) for freeze specs
   * @param seed seeds dropout masks (with the step number); data order and augmentation have their
   *     own seed in the loaders
   */
  public Trainer(Model model, String headPrefix, long seed) {
    this.model = model;
    this.headPrefix = headPrefix;
    this.seed = seed;
    this.optimizerState = new OptimizerState(model);
    Ops tf = model.tf().withSubScope("evaluate");
    evalLabels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    evalLoss = CrossEntropyLoss.standard().build(tf, model.logits(), evalLabels);
    Operand<TInt32> predicted = tf.math.argMax(model.logits(), tf.constant(1), TInt32.class);
    evalCorrect = tf.sum(tf.dtypes.cast(tf.math.equal(predicted, evalLabels), TInt32.class), tf.constant(0));
  }

  public Model model() {
    return model;
  }

  public String headPrefix() {
    return headPrefix;
  }

  public TrainingSetup setup() {
    return setup;
  }

  public OptimizerState optimizerState() {
    return optimizerState;
  }

  public TrainerState state() {
    return state;
  }

  /** Continues from a checkpoint's counters (the weights and optimizer state are restored separately). */
  public void restoreState(TrainerState restored) {
    this.state = restored;
  }

  /**
   * Whether {@link #fit} validates the untrained model before the first epoch, as the tutorial's
   * epoch 0 (the default); off saves one validation pass per run.
   */
  public void setValidateBeforeTraining(boolean validate) {
    this.validateBeforeTraining = validate;
  }

  /**
   * Test-time augmentation in every validation phase (default NONE): the loss and accuracy of the
   * view-averaged probabilities are reported beside the plain ones, from the same pass.
   */
  public void setValidationTta(TestTimeAugmentation tta) {
    this.validationTta = tta;
  }

  /**
   * Whether the best weights (and so early stopping) follow the test-time augmented validation
   * accuracy rather than the plain one (the default); needs {@link #setValidationTta}.
   */
  public void setSelectBestOnTta(boolean select) {
    if (select && validationTta == TestTimeAugmentation.NONE) {
      throw new IllegalStateException("selecting the best epoch by TTA accuracy needs a validation TTA mode");
    }
    this.selectBestOnTta = select;
  }

  /** Whether {@link TrainerState#bestValAccuracy()} is the test-time augmented accuracy. */
  public boolean selectsBestOnTta() {
    return selectBestOnTta;
  }

  public void freeze(FreezeSpec spec) {
    spec.freeze(model, headPrefix);
  }

  public void unfreeze(FreezeSpec spec) {
    spec.unfreeze(model, headPrefix);
  }

  /**
   * Builds the training step for the currently trainable weights. The schedule restarts at its
   * first epoch, as a new torch scheduler would.
   *
   * @param keepOptimizerState whether weights that were already training keep their momentum
   *     buffers and Adam moments (new ones always start from zero)
   */
  public void compile(TrainingSetup next, boolean keepOptimizerState) {
    if (model.trainableWeights().isEmpty()) {
      throw new IllegalStateException("no weight of " + model.architecture() + " is trainable: unfreeze something");
    }
    if (!keepOptimizerState) {
      optimizerState.reset();
    }
    this.setup = next;
    Recipe recipe = next.recipe();
    this.step = new TrainingStep(model, next.groups(), next.optimizer(), optimizerState, next.loss(),
        next.batchNormPolicy(), next.noDecayOnNormAndBias(), seed, recipe.mixup() == null
            ? TrainingStep.Targets.CLASS_INDICES : TrainingStep.Targets.PROBABILITIES, recipe.accumulationSteps());
    if (recipe.ema() == null) {
      ema = null;
    } else if (ema == null) {
      ema = new ModelEma(model, recipe.ema());
    } else {
      ema.setSpec(recipe.ema()); // the average carries on into the next stage, as timm's does across epochs
    }
    plateauState = recipe.plateau() == null ? null
        : recipe.plateau().start(next.groups().stream().map(ParamGroup::lr).toList());
    state = state.startStage();
  }

  /** The parameter group each trainable weight trains in, as compiled. */
  public java.util.Map<String, ParamGroup> groupOf() {
    if (step == null) {
      throw new IllegalStateException("call compile first");
    }
    return step.groupOf();
  }

  /** The moving average of the weights, when the setup asks for one (else null). */
  public ModelEma ema() {
    return ema;
  }

  /** Continues a checkpointed average (see {@link ModelEma#values()}). */
  public void restoreEma(StateDict values, long updates) {
    if (ema == null) {
      throw new IllegalStateException("compile with an EMA before restoring one");
    }
    ema.restore(values, updates);
  }

  /** ReduceLROnPlateau's state, when the setup uses it (else null). */
  public ReduceLROnPlateau.State plateauState() {
    return plateauState;
  }

  /** Continues a checkpointed ReduceLROnPlateau. */
  public void restorePlateau(ReduceLROnPlateau.State restored) {
    if (plateauState == null) {
      throw new IllegalStateException("compile with ReduceLROnPlateau before restoring its state");
    }
    this.plateauState = restored;
  }

  /** The learning rate of each group at the current point of the schedule. */
  public List<Double> learningRates() {
    if (plateauState != null) {
      return plateauState.lrs();
    }
    List<Double> lrs = new ArrayList<>();
    for (ParamGroup g : setup.groups()) {
      lrs.add(setup.schedule().lr(g.lr(), state.stageEpoch(), state.stageStep()));
    }
    return lrs;
  }

  /**
   * Trains for {@code epochs} more epochs of the current stage.
   *
   * @param restoreBest whether to load the best validation weights when done (the tutorial does)
   */
  public History fit(DataLoader train, DataLoader val, int epochs, List<Callback> callbacks, boolean restoreBest) {
    if (step == null) {
      throw new IllegalStateException("call compile before fit");
    }
    checkClasses(train, val);
    return fit(FeedSource.images(train), FeedSource.images(val, validationTta), epochs, callbacks, restoreBest);
  }

  /**
   * fastai's LR range test on the current setup (see {@link LrFinder}): mock training at
   * exponentially growing rates on every group. The weights, BatchNorm statistics, optimizer state,
   * moving average and counters are put back afterwards, exactly.
   */
  public LrFinder.Result findLearningRate(DataLoader train, LrFinder.Options options) {
    if (step == null) {
      throw new IllegalStateException("call compile before findLearningRate");
    }
    model.ensureInitialized();
    StateDict weights = model.stateDict();
    StateDict slots = optimizerState.values();
    StateDict averages = ema == null ? null : ema.values();
    long averageUpdates = ema == null ? 0 : ema.updates();
    TrainerState saved = state;
    List<Double> lrs = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    try {
      double best = Double.POSITIVE_INFINITY;
      FeedSource source = FeedSource.images(train);
      for (int epoch = 1; lrs.size() < options.numIt(); epoch++) {
        try (FeedSource.FeedEpoch it = source.epoch(epoch)) {
          while (it.hasNext() && lrs.size() < options.numIt()) {
            double lr = options.lr(lrs.size());
            double[] stepLrs = new double[setup.groups().size()];
            java.util.Arrays.fill(stepLrs, lr);
            TrainingStep.StepResult result;
            try (FeedSource.Feed feed = it.next(); TFloat32 targets = mixTargets(feed.input(), feed.labelValues())) {
              if (feed.size() == 0) {
                continue;
              }
              result = step.run(null, feed.input(), feed.labels(), targets, stepLrs, state.globalStep(), feed.size());
            }
            state = state.afterStep();
            lrs.add(lr);
            raw.add((double) result.loss());
            double smoothed = LrFinder.smooth(raw).get(raw.size() - 1);
            best = Math.min(best, smoothed);
            if (!Double.isFinite(smoothed) || options.stopDiv() && smoothed > 4 * best) {
              return LrFinder.result(options, lrs, raw);
            }
          }
        }
      }
      return LrFinder.result(options, lrs, raw);
    } finally {
      model.loadStateDict(weights, dev.tfjtransfer.nn.LoadMode.STRICT);
      optimizerState.restore(slots);
      if (ema != null) {
        ema.restore(averages, averageUpdates);
      }
      state = saved;
    }
  }

  /**
   * fastai's {@code fine_tune} in one call: the head alone, then everything with discriminative
   * learning rates, each phase under one-cycle (see {@link FineTune}). The optimizer state carries
   * over between the phases.
   *
   * @param base the loss, optimizer, BatchNorm policy and recipes (its groups and schedule are replaced)
   */
  public History fineTune(DataLoader train, DataLoader val, FineTune fineTune, TrainingSetup base,
      List<Callback> callbacks, boolean restoreBest) {
    int steps = Math.max(1, (train.batchesPerEpoch() + base.recipe().accumulationSteps() - 1)
        / base.recipe().accumulationSteps());
    History all = new History();
    for (FineTune.Phase phase : fineTune.phases(model, headPrefix, steps, base)) {
      freeze(phase.freeze());
      unfreeze(phase.unfreeze());
      compile(phase.setup(), true);
      fit(train, val, phase.epochs(), callbacks, false).rows().forEach(all::add);
    }
    if (restoreBest) {
      restoreBestWeights();
    }
    return all;
  }

  /**
   * {@link #fit} for a frozen backbone (DL4J's featurize): the backbone's output for every
   * training and validation image is computed once, and every epoch trains the head on those
   * cached features. Gives the same weights as {@link #fit} when the backbone is frozen, its
   * BatchNorm layers use running statistics and both pipelines are deterministic (no random crop
   * or flip), which this checks.
   */
  public History fitOnCachedFeatures(DataLoader train, DataLoader val, int epochs, List<Callback> callbacks,
      boolean restoreBest) {
    if (step == null) {
      throw new IllegalStateException("call compile before fit");
    }
    checkClasses(train, val);
    checkHeadOnly();
    checkNoMixup();
    checkNoValidationTta();
    for (DataLoader loader : List.of(train, val)) {
      if (!loader.pipeline().isDeterministic()) {
        throw new IllegalStateException("cached features need deterministic transforms; the pipeline has random crops"
            + " or flips");
      }
    }
    String layer = headInput().layer();
    return fit(FeedSource.cached(train, features(train), layer), FeedSource.cached(val, features(val), layer),
        epochs, callbacks, restoreBest);
  }

  /**
   * {@link #fitOnCachedFeatures} on features computed elsewhere (the Spark {@code extract-features}
   * job): both loaders read {@link FeatureShards}, and only their batch order is used. The
   * features must come from this model's backbone (the same weights and eval transforms).
   */
  public History fitOnFeatures(DataLoader train, DataLoader val, int epochs, List<Callback> callbacks,
      boolean restoreBest) {
    if (step == null) {
      throw new IllegalStateException("call compile before fit");
    }
    checkClasses(train, val);
    checkHeadOnly();
    checkNoMixup();
    checkNoValidationTta();
    long width = headInput().of(model.inference()).shape().get(1);
    for (DataLoader loader : List.of(train, val)) {
      if (!(loader.dataset() instanceof FeatureShards shards)) {
        throw new IllegalArgumentException("fitOnFeatures needs loaders over FeatureShards");
      } else if (shards.width() != width) {
        throw new IllegalArgumentException("the features are " + shards.width() + " wide but " + model.architecture()
            + "'s head takes " + width + ": they come from another architecture");
      }
    }
    String layer = headInput().layer();
    return fit(FeedSource.cached(train, ((FeatureShards) train.dataset()).features(), layer),
        FeedSource.cached(val, ((FeatureShards) val.dataset()).features(), layer), epochs, callbacks, restoreBest);
  }

  private void checkNoValidationTta() {
    if (validationTta != TestTimeAugmentation.NONE) {
      throw new IllegalStateException("test-time augmentation needs images: it cannot validate on cached features");
    }
  }

  private void checkNoMixup() {
    if (setup.recipe().mixup() != null) {
      throw new IllegalStateException("MixUp/CutMix mix images: they cannot train on cached features");
    }
  }

  private void checkHeadOnly() {
    HeadInput headInput = headInput();
    if (!step.canStartFrom(headInput.layer(), headInput.consumer())) {
      throw new IllegalStateException("training on features needs every trainable weight inside '"
          + headInput.consumer() + "' and BatchNorm in running-statistics mode (batchnorm: frozen)");
    }
  }

  /** The tensor the head takes, where training on features starts. */
  private HeadInput headInput() {
    return ModelZoo.headInput(model.architecture());
  }

  /** The head's input (the backbone output in the inference graph) of every sample. */
  private float[][] features(DataLoader loader) {
    model.ensureInitialized();
    Operand<TFloat32> output = headInput().of(model.inference());
    float[][] rows = new float[loader.dataset().size()][];
    try (DataLoader.Epoch it = loader.epoch(0)) {
      while (it.hasNext()) {
        Batch batch = it.next();
        try (TFloat32 x = batch.imagesTensor();
            Result r = model.session().runner().feed(model.images(), x).fetch(output).run()) {
          TFloat32 f = (TFloat32) r.get(0);
          int width = (int) f.shape().get(1);
          float[] all = new float[batch.size() * width];
          f.asRawTensor().data().asFloats().read(all);
          for (int i = 0; i < batch.size(); i++) {
            rows[batch.indices()[i]] = java.util.Arrays.copyOfRange(all, i * width, (i + 1) * width);
          }
        }
      }
    }
    return rows; // null rows: images the loader's bad-image policy skipped
  }

  private History fit(FeedSource train, FeedSource val, int epochs, List<Callback> callbacks, boolean restoreBest) {
    History history = new History();
    callbacks.forEach(c -> c.onFitBegin(this, epochs));
    if (validateBeforeTraining && state.epochsDone() == 0 && !state.initialValidationDone()) {
      EpochMetrics val0 = validateAndTrack(val, 0, callbacks);
      history.add(val0);
      state = state.afterInitialValidation();
      callbacks.forEach(c -> c.onEpochEnd(this, null, val0));
    }
    for (int e = 0; e < epochs; e++) {
      int epoch = state.epochsDone() + 1;
      EpochMetrics trainMetrics = trainEpoch(train, epoch, callbacks);
      history.add(trainMetrics);
      EpochMetrics valMetrics = validateAndTrack(val, epoch, callbacks);
      history.add(valMetrics);
      if (plateauState != null) {
        plateauState = setup.recipe().plateau().step(plateauState, setup.recipe().plateau().metric(valMetrics));
      }
      state = state.afterEpoch();
      boolean stop = false;
      for (Callback c : callbacks) {
        stop |= c.onEpochEnd(this, trainMetrics, valMetrics);
      }
      if (stop) {
        break;
      }
    }
    if (restoreBest) {
      restoreBestWeights();
    }
    callbacks.forEach(c -> c.onFitEnd(this, history));
    return history;
  }

  /**
   * Keras' {@code train_on_batch}: one optimizer step on normalized NHWC images at the schedule's
   * current learning rates.
   */
  public TrainingStep.StepResult trainOnBatch(float[] images, int[] labels) {
    if (step == null) {
      throw new IllegalStateException("call compile before trainOnBatch");
    }
    Shape shape = Shape.of(labels.length, model.images().shape().get(1), model.images().shape().get(2), 3);
    double[] lrs = learningRates().stream().mapToDouble(Double::doubleValue).toArray();
    try (TFloat32 x = TFloat32.tensorOf(shape); TInt32 y = TInt32.vectorOf(labels)) {
      x.asRawTensor().data().asFloats().write(images);
      try (TFloat32 targets = mixTargets(x, labels)) {
        TrainingStep.StepResult result = step.run(null, x, y, targets, lrs, state.globalStep(), labels.length);
        state = state.afterStep();
        if (ema != null) {
          ema.update();
        }
        return result;
      }
    }
  }

  /**
   * With MixUp/CutMix on, mixes the batch in {@code images} in place (the draws of the current
   * global step) and returns its probability targets; otherwise null.
   */
  private TFloat32 mixTargets(TFloat32 images, int[] labels) {
    Mixup mixup = setup.recipe().mixup();
    if (mixup == null) {
      return null;
    }
    int batch = labels.length;
    int height = (int) images.shape().get(1);
    int width = (int) images.shape().get(2);
    float[] pixels = new float[(int) images.shape().size()];
    images.asRawTensor().data().asFloats().read(pixels);
    Mixup.Draw draw = mixup.draw(seed, state.globalStep(), height, width);
    float[] targets = mixup.apply(draw, pixels, batch, height, width, labels, model.numOutputs());
    images.asRawTensor().data().asFloats().write(pixels);
    TFloat32 tensor = TFloat32.tensorOf(Shape.of(batch, model.numOutputs()));
    tensor.asRawTensor().data().asFloats().write(targets);
    return tensor;
  }

  /** Writes the model's weights (state_dict) as safetensors, through a temporary file. */
  public void save(java.nio.file.Path file) throws java.io.IOException {
    dev.tfjtransfer.weights.Safetensors.write(model.stateDict(), file);
  }

  /** Loads weights saved by {@link #save} (or any state_dict file), strictly. */
  public void load(java.nio.file.Path file) throws java.io.IOException {
    model.loadStateDict(StateDict.read(file), dev.tfjtransfer.nn.LoadMode.STRICT);
  }

  /** Loads the weights of the best validation epoch seen so far, if any. */
  public void restoreBestWeights() {
    if (bestWeights != null) {
      model.loadStateDict(bestWeights, dev.tfjtransfer.nn.LoadMode.STRICT);
    }
  }

  /**
   * The validation pass of the best weights when it fed the validation images (not cached
   * features) with no test-time augmentation, else empty: its logits are what evaluating
   * {@link #bestWeights()} on the same loader computes, so the run's final evaluation reuses them.
   */
  public java.util.Optional<Evaluation> bestValidation() {
    return java.util.Optional.ofNullable(bestValidation).filter(e -> e.fromImages() && e.ttaLoss() == null);
  }

  /** The best validation weights in memory (null before any validation). */
  public StateDict bestWeights() {
    return bestWeights;
  }

  /** Sets the best weights after a resume (read back from {@code best.safetensors}). */
  public void restoreBest(StateDict weights, double accuracy, int epoch) {
    this.bestWeights = weights;
    this.bestValidation = null;
    this.state = state.withBest(accuracy, epoch);
  }

  /** Loss and accuracy of the inference graph over {@code loader} (one pass, in its order). */
  public Evaluation evaluate(DataLoader loader) {
    return evaluate(loader, TestTimeAugmentation.NONE);
  }

  /** {@link #evaluate(DataLoader)} with the test-time augmented loss and accuracy beside (unless NONE). */
  public Evaluation evaluate(DataLoader loader, TestTimeAugmentation tta) {
    return evaluate(FeedSource.images(loader, tta), 0, EpochMetrics.Phase.VAL, List.of());
  }

  private Evaluation evaluate(FeedSource source, int epoch, EpochMetrics.Phase phase, List<Callback> callbacks) {
    model.ensureInitialized();
    long start = System.nanoTime();
    double lossSum = 0;
    int correct = 0;
    int images = 0;
    double ttaLossSum = 0;
    int ttaCorrect = 0;
    boolean augmented = false;
    List<Integer> predictions = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<Integer> indices = new ArrayList<>();
    List<float[]> batchLogits = new ArrayList<>();
    int batchIndex = 0;
    int batches = source.batches();
    Operand<TFloat32> target = source.startPath() == null ? model.images()
        : model.inference().outputs().get(source.startPath());
    callbacks.forEach(c -> c.onPhaseBegin(this, phase, epoch, batches));
    try (FeedSource.FeedEpoch it = source.epoch(epoch)) {
      while (it.hasNext()) {
        batchIndex++;
        try (FeedSource.Feed feed = it.next()) {
          if (feed.size() == 0) {
            continue;
          }
          if (feed.tta() != TestTimeAugmentation.NONE) {
            augmented = true;
            ViewScores scores = scoreViews(target, feed, predictions, labels, batchLogits);
            lossSum += scores.loss();
            correct += scores.correct();
            ttaLossSum += scores.ttaLoss();
            ttaCorrect += scores.ttaCorrect();
          } else {
            try (Result r = model.session().runner().feed(target, feed.input()).feed(evalLabels, feed.labels())
                .fetch(evalLoss).fetch(evalCorrect).fetch(model.logits()).run()) {
              lossSum += ((TFloat32) r.get(0)).getFloat() * feed.size();
              correct += ((TInt32) r.get(1)).getInt();
              TFloat32 logits = (TFloat32) r.get(2);
              for (int i = 0; i < feed.size(); i++) {
                predictions.add(argmax(logits, i));
                labels.add(feed.labelValues()[i]);
              }
              float[] rows = new float[(int) logits.shape().size()];
              logits.asRawTensor().data().asFloats().read(rows);
              batchLogits.add(rows);
            }
          }
          for (int index : feed.indices()) {
            indices.add(index);
          }
          images += feed.size();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        final int b = batchIndex;
        final double running = lossSum / images;
        final double speed = images / seconds;
        callbacks.forEach(c -> c.onBatchEnd(this, phase, epoch, b, batches, running, speed));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    float[] logits = new float[batchLogits.stream().mapToInt(b -> b.length).sum()];
    int filled = 0;
    for (float[] rows : batchLogits) {
      System.arraycopy(rows, 0, logits, filled, rows.length);
      filled += rows.length;
    }
    int counted = Math.max(1, images);
    return new Evaluation(lossSum / counted, (double) correct / counted, images, seconds,
        predictions.stream().mapToInt(Integer::intValue).toArray(), labels.stream().mapToInt(Integer::intValue).toArray(),
        indices.stream().mapToInt(Integer::intValue).toArray(), logits, augmented ? ttaLossSum / counted : null,
        augmented ? (double) ttaCorrect / counted : null, source.startPath() == null);
  }

  /** Summed losses and correct counts of one batch of test-time views, plain and view-averaged. */
  private record ViewScores(double loss, int correct, double ttaLoss, int ttaCorrect) {}

  /**
   * One forward pass over a batch's views: the plain figures from each sample's plain view (its
   * cross-entropy in double, as the graph's loss computes it in float), the augmented ones from
   * the mean of the views' softmax ({@link Prediction#ofViews}); the plain logits and predictions
   * are appended.
   */
  private ViewScores scoreViews(Operand<TFloat32> target, FeedSource.Feed feed, List<Integer> predictions,
      List<Integer> labels, List<float[]> batchLogits) {
    TestTimeAugmentation tta = feed.tta();
    int views = tta.views();
    int classes = model.numOutputs();
    float[] all;
    try (Result r = model.session().runner().feed(target, feed.input()).fetch(model.logits()).run()) {
      TFloat32 logits = (TFloat32) r.get(0);
      all = new float[(int) logits.shape().size()];
      logits.asRawTensor().data().asFloats().read(all);
    }
    float[] plainRows = new float[feed.size() * classes];
    double loss = 0;
    double ttaLoss = 0;
    int correct = 0;
    int ttaCorrect = 0;
    for (int i = 0; i < feed.size(); i++) {
      int label = feed.labelValues()[i];
      int plainRow = i * views + tta.plainView();
      System.arraycopy(all, plainRow * classes, plainRows, i * classes, classes);
      double logSumExp = logSumExp(all, plainRow * classes, classes);
      loss += logSumExp - all[plainRow * classes + label];
      int predicted = argmax(all, plainRow * classes, classes);
      correct += predicted == label ? 1 : 0;
      predictions.add(predicted);
      labels.add(label);
      float[] mean = Prediction.ofViews(all, i * views, views, classes).probabilities();
      ttaLoss -= Math.log(Math.max(1e-15, mean[label]));
      ttaCorrect += argmax(mean, 0, classes) == label ? 1 : 0;
    }
    batchLogits.add(plainRows);
    return new ViewScores(loss, correct, ttaLoss, ttaCorrect);
  }

  private static double logSumExp(float[] values, int from, int count) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < count; c++) {
      max = Math.max(max, values[from + c]);
    }
    double sum = 0;
    for (int c = 0; c < count; c++) {
      sum += Math.exp(values[from + c] - max);
    }
    return max + Math.log(sum);
  }

  private static int argmax(float[] values, int from, int count) {
    int best = 0;
    for (int c = 1; c < count; c++) {
      if (values[from + c] > values[from + best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Validates and keeps the weights if they are the best so far; with an EMA used for validation,
   * both happen on the averaged weights (timm validates its EMA model the same way).
   */
  private EpochMetrics validateAndTrack(FeedSource val, int epoch, List<Callback> callbacks) {
    if (ema == null || !ema.spec().useForValidation()) {
      return validateAndTrackOnModel(val, epoch, callbacks);
    }
    ema.swapIntoModel();
    try {
      return validateAndTrackOnModel(val, epoch, callbacks);
    } finally {
      ema.restoreModelWeights();
    }
  }

  private EpochMetrics validateAndTrackOnModel(FeedSource val, int epoch, List<Callback> callbacks) {
    Evaluation e = evaluate(val, epoch, EpochMetrics.Phase.VAL, callbacks);
    if (!Double.isFinite(e.loss())) {
      // a training step can leave non-finite weights behind a finite loss: the validation sees them
      throw new TrainingDivergedException(epoch, EpochMetrics.Phase.VAL, "loss became " + e.loss());
    }
    EpochMetrics metrics = new EpochMetrics(epoch, EpochMetrics.Phase.VAL, e.loss(), e.accuracy(), List.of(),
        e.seconds(), e.images(), e.ttaLoss(), e.ttaAccuracy());
    callbacks.forEach(c -> c.onPhaseEnd(this, metrics));
    double accuracy = selectBestOnTta ? metrics.ttaAccuracy() : metrics.accuracy();
    if (accuracy > state.bestValAccuracy()) {
      bestWeights = model.stateDict();
      bestValidation = e;
      state = state.withBest(accuracy, epoch);
    }
    return metrics;
  }

  private EpochMetrics trainEpoch(FeedSource train, int epoch, List<Callback> callbacks) {
    long start = System.nanoTime();
    List<Double> lrs = learningRates();
    double lossSum = 0;
    int correct = 0;
    int images = 0;
    int batchIndex = 0;
    int batches = train.batches();
    int accumulation = setup.recipe().accumulationSteps();
    int stepSamples = 0;
    if (accumulation > 1) {
      step.resetAccumulators();
    }
    callbacks.forEach(c -> c.onPhaseBegin(this, EpochMetrics.Phase.TRAIN, epoch, batches));
    try (FeedSource.FeedEpoch it = train.epoch(epoch)) {
      while (it.hasNext()) {
        batchIndex++;
        double[] stepLrs = learningRates().stream().mapToDouble(Double::doubleValue).toArray();
        TrainingStep.StepResult result;
        int size;
        // the last batch of the epoch completes a step even when fewer than K batches were accumulated
        boolean completesStep = batchIndex % accumulation == 0 || batchIndex == batches;
        try (FeedSource.Feed feed = it.next(); TFloat32 targets = mixTargets(feed.input(), feed.labelValues())) {
          size = feed.size();
          if (size == 0) {
            continue;
          }
          stepSamples += size;
          result = step.run(train.startPath(), feed.input(), feed.labels(), targets, stepLrs, state.globalStep(),
              completesStep ? stepSamples : 0);
        }
        if (!Float.isFinite(result.loss())) {
          throw new TrainingDivergedException(epoch, EpochMetrics.Phase.TRAIN, "loss became " + result.loss()
              + " at batch " + batchIndex);
        }
        if (completesStep) {
          state = state.afterStep();
          stepSamples = 0;
          if (ema != null) {
            ema.update();
          }
        } else {
          state = state.afterMicroBatch();
        }
        lossSum += result.loss() * size;
        correct += result.correct();
        images += size;
        double seconds = (System.nanoTime() - start) / 1e9;
        final int b = batchIndex;
        final double running = lossSum / images;
        final double speed = images / seconds;
        callbacks.forEach(c -> c.onBatchEnd(this, EpochMetrics.Phase.TRAIN, epoch, b, batches, running, speed));
      }
    }
    EpochMetrics metrics = new EpochMetrics(epoch, EpochMetrics.Phase.TRAIN, lossSum / Math.max(1, images),
        (double) correct / Math.max(1, images), lrs, (System.nanoTime() - start) / 1e9, images);
    callbacks.forEach(c -> c.onPhaseEnd(this, metrics));
    return metrics;
  }

  private static void checkClasses(DataLoader train, DataLoader val) {
    if (!train.dataset().classes().equals(val.dataset().classes())) {
      throw new IllegalArgumentException("train and val classes differ: " + train.dataset().classes() + " vs "
          + val.dataset().classes());
    }
  }

  private static int argmax(TFloat32 logits, int row) {
    long classes = logits.shape().get(1);
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (logits.getFloat(row, c) > logits.getFloat(row, best)) {
        best = c;
      }
    }
    return best;
  }
}
