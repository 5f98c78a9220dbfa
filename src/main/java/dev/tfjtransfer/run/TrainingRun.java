package dev.tfjtransfer.run;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.Batch;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.nn.BatchNormPolicy;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.FineTune;
import dev.tfjtransfer.train.LrFinder;
import dev.tfjtransfer.train.TrainingSetup;
import dev.tfjtransfer.data.ClassWeights;
import dev.tfjtransfer.train.FreezeSpec;
import dev.tfjtransfer.train.History;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.train.TrainerState;
import dev.tfjtransfer.train.callbacks.CsvLogger;
import dev.tfjtransfer.train.callbacks.CurvePlots;
import dev.tfjtransfer.train.callbacks.EarlyStopping;
import dev.tfjtransfer.train.callbacks.ImageGrid;
import dev.tfjtransfer.train.callbacks.ModelCheckpoint;
import dev.tfjtransfer.train.callbacks.ProgressReporter;
import dev.tfjtransfer.train.callbacks.TensorBoardLogger;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.eval.Evaluator;
import dev.tfjtransfer.util.AtomicFiles;
import dev.tfjtransfer.util.BackgroundWriter;
import dev.tfjtransfer.util.Directories;
import dev.tfjtransfer.util.JavaHeap;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs a {@link RunConfig} end to end into a run directory: the resolved config, class names,
 * {@code metrics.csv}, {@code timings.json}, loss and accuracy plots, a training batch grid, a
 * validation prediction grid, {@code best.safetensors} and a resumable {@code last.safetensors}.
 * Stages run in order;
 * {@link #resume} continues an interrupted run from its last completed epoch and ends where the
 * uninterrupted run would have.
 */
public final class TrainingRun {
  /** The run directory's record of where the wall time went (see {@link RunTimings}). */
  public static final String TIMINGS = RunTimings.FILE;
  private RunConfig config;
  private final Path runDir;
  private final PrintStream out;
  private final boolean interactive;
  /** Whether the first epoch has begun: from then on the run directory holds results worth keeping. */
  private boolean trainingStarted;
  private final RunTimings timings = new RunTimings();

  /** What a run produced. */
  public record Outcome(Path runDir, History history, double bestValAccuracy, int bestEpoch) {}

  private TrainingRun(RunConfig config, Path runDir, PrintStream out, boolean interactive) {
    this.config = config;
    this.runDir = runDir;
    this.out = out;
    this.interactive = interactive;
  }

  /** Starts a new run in a fresh directory under {@code config.outputDir()}. */
  public static Outcome start(RunConfig config, PrintStream out, boolean interactive) throws IOException {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    // taken with a mkdir that fails if the name exists, before anything slow such as reading the
    // weights: runs started at once into one output_dir each get their own directory
    Path dir = Directories.createUnique(Path.of(config.outputDir()), "run-" + stamp);
    TrainingRun run = new TrainingRun(config, dir, out, interactive);
    try {
      return run.execute(null);
    } catch (IOException | RuntimeException | Error e) {
      if (!run.trainingStarted) {
        // bad data, config or weights: nothing to resume or inspect, so no run directory stays behind
        try {
          Directories.deleteRecursively(dir);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** Continues the run in {@code runDir} from its {@code last.safetensors}. */
  public static Outcome resume(Path runDir, PrintStream out, boolean interactive) throws IOException {
    if (!Files.isRegularFile(runDir.resolve(Checkpoints.LAST))) {
      throw new IOException(runDir + ": no " + Checkpoints.LAST + " to resume from");
    }
    // read first: a checkpoint that cannot be resumed from (non-finite values) is refused before anything slow
    Checkpoints.Resume resume = Checkpoints.readResume(runDir);
    RunConfig config = ConfigLoader.load(runDir.resolve("config.yaml"), List.of());
    return new TrainingRun(config, runDir, out, interactive).execute(resume);
  }

  /**
   * fastai's LR range test ({@link LrFinder}) on the model, data, freezing and first stage the
   * config describes (its setup, with every group swept together); writes loss against rate to
   * {@code png}. Nothing else is written: no run directory is created.
   */
  public static LrFinder.Result findLearningRate(RunConfig config, LrFinder.Options options, Path png,
      PrintStream out) throws IOException {
    TrainingRun run = new TrainingRun(config, null, out, false);
    StateDict weights = config.model().weights() == null ? null : StateDict.read(Path.of(config.model().weights()));
    Normalization normalization = run.resolveNormalization(weights);
    try (RunData data = RunData.open(config.data(), config.dataSeed(), normalization);
        Model model = run.buildModel(data, weights)) {
      if (data.isFeatures()) {
        throw new IllegalArgumentException("lr-find trains on images; data.format features is not supported");
      }
      Trainer trainer = new Trainer(model, run.headPrefix(), config.seed());
      FreezeSpec.of(config.freeze()).freeze(model, run.headPrefix());
      Phase first = run.phases(model, data).get(0);
      first.freezing().run();
      trainer.compile(first.setup(), false);
      out.printf(Locale.ROOT, "lr-find: %s, stage '%s', %d trainable tensors, %.1e to %.1e over %d batches%n",
          config.model().arch(), first.name(), model.trainableWeights().size(), options.startLr(), options.endLr(),
          options.numIt());
      LrFinder.Result result = trainer.findLearningRate(data.train(), options);
      LrFinder.plot(result, png);
      return result;
    }
  }

  /** @param resume what last.safetensors holds when resuming; null for a new run */
  private Outcome execute(Checkpoints.Resume resume) throws IOException {
    boolean resuming = resume != null;
    long start = System.nanoTime();
    StateDict weights = config.model().weights() == null ? null
        : timings.timeIo("read_weights", () -> StateDict.read(Path.of(config.model().weights())));
    Normalization normalization = resolveNormalization(weights);
    config = config.withData(config.data().withNormalize(RunConfig.NormalizeConfig.of(normalization.mean(),
        normalization.std())));
    try (RunData data = timings.timeIo("open_data", () -> RunData.open(config.data(), config.dataSeed(), normalization));
        Model model = buildModel(data, weights);
        TensorBoardLogger tensorBoard = new TensorBoardLogger(runDir.resolve("tensorboard"));
        // closed first: every checkpoint write is complete (or has failed the run) before anything else closes
        BackgroundWriter checkpointWriter = new BackgroundWriter()) {
      weights = null; // in the session now: the host copy can go
      JavaHeap.releaseAfterWeightLoading();
      if (!resuming) {
        AtomicFiles.writeString(runDir.resolve("config.yaml"), ConfigLoader.toYaml(config));
        AtomicFiles.writeLines(runDir.resolve("class_names.txt"), data.classes());
      }
      Trainer trainer = new Trainer(model, headPrefix(), config.seed());
      trainer.setValidateBeforeTraining(config.validateBeforeTraining());
      checkTta(data);
      trainer.setValidationTta(config.tta().views());
      trainer.setSelectBestOnTta(config.tta().selectBest());
      if (resume != null) {
        dropMetricsAfter(resume.state().epochsDone());
      }
      int firstStage = resume == null ? 0 : Math.max(0, resume.state().stage());
      List<EpochMetrics> history = new ArrayList<>(resume == null ? List.of() : resume.history());
      FreezeSpec.of(config.freeze()).freeze(model, headPrefix());
      out.printf(Locale.ROOT, "%s: %s, %d classes %s, %d train / %d val images -> %s%n", resuming ? "resuming" : "training",
          config.model().arch(), data.classes().size(), data.classes(), data.train().dataset().size(),
          data.val().dataset().size(), runDir);
      RgbImage batchGrid = resuming || data.isFeatures() ? null : writeBatchGrid(data);
      if (batchGrid != null) {
        tensorBoard.image("train_batch", 0, batchGrid);
      }
      List<Phase> phases = phases(model, data);
      List<Callback> callbacks = new ArrayList<>();
      callbacks.add(timings);
      for (Callback c : callbacks(data, history, phases, checkpointWriter)) {
        callbacks.add(timings.timed(c));
      }
      callbacks.add(timings.timed(tensorBoard));
      trainingStarted = true;
      for (int s = 0; s < phases.size(); s++) {
        Phase phase = phases.get(s);
        phase.freezing().run();
        if (s < firstStage) {
          continue;
        }
        timings.time("build_training_step", () -> {
          trainer.compile(phase.setup(), phase.keepOptimizerState());
          return null;
        });
        int epochs = phase.epochs();
        if (resume != null && s == firstStage) {
          TrainerState saved = resume.state();
          Checkpoints.restore(runDir, trainer, saved);
          JavaHeap.releaseAfterWeightLoading();
          epochs -= saved.stageEpoch();
          out.printf(Locale.ROOT, "restored epoch %d (stage %s, %d of its %d epochs done)%n", saved.epochsDone(),
              phase.name(), saved.stageEpoch(), phase.epochs());
        }
        if (epochs <= 0) {
          continue;
        }
        out.printf(Locale.ROOT, "stage %d/%d '%s': %d epochs, %d trainable tensors%n", s + 1, phases.size(),
            phase.name(), epochs, model.trainableWeights().size());
        History stageHistory = data.isFeatures() ? trainer.fitOnFeatures(data.train(), data.val(), epochs, callbacks,
            false)
            : phase.cacheFeatures() ? trainer.fitOnCachedFeatures(data.train(), data.val(), epochs, callbacks, false)
            : trainer.fit(data.train(), data.val(), epochs, callbacks, false);
        history.addAll(stageHistory.rows());
      }
      trainer.restoreBestWeights();
      long finalStart = System.nanoTime();
      if (data.isFeatures()) {
        // feature shards hold no images: nothing to draw or evaluate on pixels
        History all = new History();
        history.forEach(all::add);
        timings.time("checkpoint_wait", () -> {
          checkpointWriter.await();
          return null;
        });
        timings.write(runDir);
        out.printf(Locale.ROOT, "done in %.1fs: best val acc %.4f at epoch %d; weights %s, metrics %s%n",
            (System.nanoTime() - start) / 1e9, trainer.state().bestValAccuracy(), trainer.state().bestEpoch(),
            runDir.resolve(Checkpoints.BEST), runDir.resolve("metrics.csv"));
        return new Outcome(runDir, all, trainer.state().bestValAccuracy(), trainer.state().bestEpoch());
      }
      RgbImage predictionGrid = writePredictionGrid(model, data);
      if (predictionGrid != null) {
        tensorBoard.image("val_predictions", trainer.state().epochsDone(), predictionGrid);
      }
      // the best epoch's validation pass already evaluated these weights on these images (with
      // tta configured, validation used it too, and bestValidation is empty)
      Trainer.Evaluation best = trainer.bestValidation().orElse(null);
      RunEvaluation.Outcome evaluation = best != null
          ? RunEvaluation.writeValidation(runDir, Evaluator.ofLogits(data.val(), data.classes(), best.logits(),
              best.labels(), best.indices(), best.seconds()), data.val(), config.data().root())
          : RunEvaluation.evaluateValidation(runDir, model, data.val(), data.classes(), config.data().root(),
              config.tta().views());
      timings.add("final_evaluation", (System.nanoTime() - finalStart) / 1e9);
      // the last epoch's checkpoints were written while the evaluation ran
      timings.time("checkpoint_wait", () -> {
        checkpointWriter.await();
        return null;
      });
      timings.write(runDir);
      History all = new History();
      history.forEach(all::add);
      Evaluator.WithTta result = evaluation.result();
      String tta = result.tta() == TestTimeAugmentation.NONE ? "" : String.format(Locale.ROOT,
          "; with %s TTA top-1 %.4f, top-5 %.4f", config.tta().mode(), result.augmented().metrics().top1Accuracy(),
          result.augmented().metrics().top5Accuracy());
      out.printf(Locale.ROOT, "done in %.1fs: best val %s %.4f at epoch %d (top-1 %.4f, top-5 %.4f%s)%n"
              + "  weights %s, report %s, evaluation %s/, metrics %s%n",
          (System.nanoTime() - start) / 1e9, trainer.selectsBestOnTta() ? "tta acc" : "acc",
          trainer.state().bestValAccuracy(), trainer.state().bestEpoch(),
          evaluation.evaluation().metrics().top1Accuracy(), evaluation.evaluation().metrics().top5Accuracy(), tta,
          runDir.resolve(Checkpoints.BEST), evaluation.report(), evaluation.directory(), runDir.resolve("metrics.csv"));
      if (data.train().skippedImages() + data.val().skippedImages() > 0) {
        out.printf("%d unreadable images were skipped%n", data.train().skippedImages() + data.val().skippedImages());
      }
      return new Outcome(runDir, all, trainer.state().bestValAccuracy(), trainer.state().bestEpoch());
    }
  }

  /** The configured test-time augmentation fits the validation data, or a one-line error naming tta.mode. */
  private void checkTta(RunData data) {
    TestTimeAugmentation tta = config.tta().views();
    if (tta == TestTimeAugmentation.NONE) {
      return;
    }
    if (data.isFeatures()) {
      throw new IllegalArgumentException("tta.mode " + config.tta().mode() + ": data.format features holds no images"
          + " to augment; use tta.mode none");
    }
    if (config.stages().stream().anyMatch(RunConfig.StageConfig::cacheFeatures)) {
      throw new IllegalArgumentException("tta.mode " + config.tta().mode() + ": stages[].cache_features validates on"
          + " cached features, which hold no images to augment; use tta.mode none");
    }
    try {
      tta.checkApplicableTo(data.val().pipeline());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tta.mode " + config.tta().mode() + ": " + e.getMessage()
          + " (data.val_transforms)", e);
    }
  }

  /**
   * One compile-and-fit: a config stage, or one of the two phases a fine_tune stage expands into
   * (so the resume counter, which counts compiles, points into this list).
   */
  private record Phase(String name, int epochs, Runnable freezing, TrainingSetup setup, boolean keepOptimizerState,
      boolean cacheFeatures) {}

  private List<Phase> phases(Model model, RunData data) {
    int[] counts = ClassWeights.counts(data.train().dataset());
    int batches = data.train().batchesPerEpoch();
    List<Phase> phases = new ArrayList<>();
    for (RunConfig.StageConfig stage : config.stages()) {
      TrainingSetup setup = StageSetups.of(stage, batchNormPolicy(), counts, batches);
      if (!stage.type().equals("fine_tune")) {
        phases.add(new Phase(stage.name(), stage.epochs(), () -> applyFreezing(model, stage), setup,
            !phases.isEmpty() && stage.keepOptimizerState(), stage.cacheFeatures()));
        continue;
      }
      for (FineTune.Phase p : StageSetups.fineTune(stage).phases(model, headPrefix(),
          StageSetups.stepsPerEpoch(stage, batches), setup)) {
        phases.add(new Phase(stage.name() + "/" + p.name(), p.epochs(), () -> {
          p.freeze().freeze(model, headPrefix());
          p.unfreeze().unfreeze(model, headPrefix());
        }, p.setup(), !phases.isEmpty(), false));
      }
    }
    return phases;
  }

  /** Rows of epochs after the checkpoint were computed again by the resumed run: drop the old ones. */
  private void dropMetricsAfter(int epochsDone) throws IOException {
    Path csv = runDir.resolve("metrics.csv");
    if (!Files.exists(csv)) {
      return;
    }
    List<String> lines = Files.readAllLines(csv);
    List<String> kept = new ArrayList<>(lines.subList(0, 1));
    lines.stream().skip(1).filter(l -> Integer.parseInt(l.substring(0, l.indexOf(','))) <= epochsDone)
        .forEach(kept::add);
    AtomicFiles.writeLines(csv, kept);
  }

  /** data.normalize if set, else what the weights record (Keras' caffe mean), else the architecture's preset. */
  private Normalization resolveNormalization(StateDict weights) {
    if (config.data().normalize() != null) {
      return RunData.normalization(config.data().normalize());
    }
    Normalization preset = ModelZoo.architecture(config.model().arch()).eval().normalization();
    return weights == null ? preset : Normalization.fromMetadata(weights.metadata()).orElse(preset);
  }

  private Model buildModel(RunData data, StateDict weights) throws IOException {
    int classes = data.classes().size();
    if (config.model().numClasses() != null && config.model().numClasses() != classes) {
      throw new IllegalArgumentException("model.num_classes is " + config.model().numClasses() + " but "
          + config.data().root() + " holds " + classes + " classes " + data.classes());
    }
    GpuCheck.require(config.device());
    int size = data.imageSize();
    Model model = timings.time("build_graph", () -> ModelZoo.create(config.model().arch(), headSpec(classes), size,
        size, new SessionOptions(config.threads(), config.interOpThreads(),
            SessionOptions.Precision.of(config.precision()))));
    model.setInitSeed(config.seed());
    timings.time("create_session", model::session);
    if (weights != null) {
      try {
        timings.time("load_weights", () -> {
          loadWeights(model, weights, config.model().weights(), config.model().strict(), headPrefix(), out);
          return null;
        });
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
    timings.time("initialize_weights", () -> {
      model.ensureInitialized();
      return null;
    });
    return model;
  }

  /**
   * Loads {@code weights} as torch's {@code load_state_dict} after the tutorial replaced the head:
   * under {@code strict} only keys of the head module may be missing, unexpected or mis-shaped
   * (resnet34 weights in a resnet18 are an error listing the keys); without it, whatever fits loads.
   * Prints one line saying what was loaded and which keys were skipped.
   */
  static LoadReport loadWeights(Model model, StateDict weights, String source, boolean strict, String headModule,
      PrintStream out) {
    LoadReport report = model.loadStateDict(weights, LoadMode.SKIP_MISMATCHED);
    LoadReport outsideHead = report.outside(headModule);
    if (strict && !outsideHead.isComplete()) {
      throw new IllegalArgumentException(source + ": weights do not fit " + model.architecture() + " outside its head "
          + headModule + " (model.strict: false loads what fits): " + outsideHead.problems(8));
    }
    if (report.loaded().isEmpty()) {
      throw new IllegalArgumentException(source + ": no tensor fits " + model.architecture() + ": "
          + report.problems(4));
    }
    List<String> skipped = report.problemKeys();
    out.printf("loaded %d tensors from %s%s%n", report.loaded().size(), source, skipped.isEmpty() ? ""
        : "; skipped " + skipped.size() + (outsideHead.isComplete() ? " of the replaced head " + headModule : "")
            + ": " + String.join(", ", skipped.stream().distinct().limit(8).toList())
            + (skipped.size() > 8 ? ", ..." : ""));
    return report;
  }

  private HeadSpec headSpec(int classes) {
    return RunArtifacts.headSpec(config.model().head(), classes);
  }

  private String headPrefix() {
    return ModelZoo.headPrefix(config.model().arch(), headSpec(2));
  }

  private BatchNormPolicy batchNormPolicy() {
    return config.batchnorm().equals("train") ? BatchNormPolicy.ALWAYS_TRAIN_MODE
        : BatchNormPolicy.FROZEN_USE_RUNNING_STATS;
  }

  private void applyFreezing(Model model, RunConfig.StageConfig stage) {
    if (!stage.freeze().isEmpty()) {
      FreezeSpec.of(stage.freeze()).freeze(model, headPrefix());
    }
    if (!stage.unfreeze().isEmpty()) {
      FreezeSpec.of(stage.unfreeze()).unfreeze(model, headPrefix());
    }
  }

  private List<Callback> callbacks(RunData data, List<EpochMetrics> previous, List<Phase> phases,
      BackgroundWriter checkpointWriter) throws IOException {
    Set<String> groupNames = new LinkedHashSet<>();
    phases.forEach(p -> p.setup().groups().forEach(g -> groupNames.add(g.name())));
    List<Callback> callbacks = new ArrayList<>();
    callbacks.add(new ProgressReporter(out, interactive));
    callbacks.add(new CsvLogger(runDir.resolve("metrics.csv"), List.copyOf(groupNames), config.tta().views()));
    callbacks.add(new CurvePlots(runDir, previous));
    callbacks.add(new ModelCheckpoint(runDir.resolve(Checkpoints.BEST), Map.of("arch", config.model().arch(),
        "classes", String.join(",", data.classes())), checkpointWriter));
    callbacks.add(new LastCheckpoint(runDir, previous, checkpointWriter));
    if (config.earlyStopping() != null) {
      callbacks.add(new EarlyStopping(config.earlyStopping().patience()));
    }
    return callbacks;
  }

  /** The tutorial's imshow of a training batch; null when no image of the batch was readable. */
  private RgbImage writeBatchGrid(RunData data) throws IOException {
    try (DataLoader.Epoch epoch = data.train().epoch(1)) {
      Batch batch = epoch.next();
      int count = Math.min(8, batch.size());
      if (count == 0) {
        return null;
      }
      List<ImageGrid.Caption> captions = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        captions.add(new ImageGrid.Caption(data.classes().get(batch.labels()[i]), null));
      }
      return ImageGrid.write(runDir.resolve("train_batch.png"), batch.images(), batch.imageSize(), count, captions,
          data.normalization());
    }
  }

  /**
   * visualize_model: eight validation images spread over the classes, predicted vs true; read under
   * the bad-image policy like every other image, so null when none of them was readable.
   */
  private RgbImage writePredictionGrid(Model model, RunData data) throws IOException {
    int size = data.val().dataset().size();
    int[] spread = new int[Math.min(8, size)];
    java.util.Arrays.setAll(spread, i -> (int) ((long) i * size / spread.length));
    Batch batch = data.val().load(spread);
    int count = batch.size();
    if (count == 0) {
      return null;
    }
    float[] images = java.util.Arrays.copyOf(batch.images(), count * data.val().pipeline().floatsPerImage());
    float[] logits = model.predict(images, count);
    int classes = model.numOutputs();
    List<ImageGrid.Caption> captions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int predicted = 0;
      for (int c = 1; c < classes; c++) {
        if (logits[i * classes + c] > logits[i * classes + predicted]) {
          predicted = c;
        }
      }
      int label = batch.labels()[i];
      captions.add(new ImageGrid.Caption("pred " + data.classes().get(predicted) + " / true "
          + data.classes().get(label), predicted == label));
    }
    return ImageGrid.write(runDir.resolve("val_predictions.png"), images, batch.imageSize(), count, captions,
        data.normalization());
  }

  /**
   * Writes last.safetensors (weights, optimizer state, counters, history) after every epoch: the
   * snapshot is taken at once, the file is written in the background while the next epoch trains
   * (the run waits for it before it ends).
   */
  private static final class LastCheckpoint implements Callback {
    private final Path runDir;
    private final List<EpochMetrics> history;
    private final BackgroundWriter writer;

    LastCheckpoint(Path runDir, List<EpochMetrics> previous, BackgroundWriter writer) {
      this.runDir = runDir;
      this.history = new ArrayList<>(previous);
      this.writer = writer;
    }

    @Override
    public void onPhaseEnd(Trainer trainer, EpochMetrics metrics) {
      history.add(metrics);
    }

    @Override
    public boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
      StateDict snapshot;
      try {
        snapshot = Checkpoints.lastSnapshot(trainer, history);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      writer.write(() -> Checkpoints.writeLast(runDir, snapshot));
      return false;
    }

  }
}
