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
import dev.tfjtransfer.util.AtomicFiles;
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
 * {@code metrics.csv}, loss and accuracy plots, a training batch grid, a validation prediction
 * grid, {@code best.safetensors} and a resumable {@code last.safetensors}. Stages run in order;
 * {@link #resume} continues an interrupted run from its last completed epoch and ends where the
 * uninterrupted run would have.
 */
public final class TrainingRun {
  private RunConfig config;
  private final Path runDir;
  private final PrintStream out;
  private final boolean interactive;
  /** Whether the first epoch has begun: from then on the run directory holds results worth keeping. */
  private boolean trainingStarted;

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

  /** @param resume what last.safetensors holds when resuming; null for a new run */
  private Outcome execute(Checkpoints.Resume resume) throws IOException {
    boolean resuming = resume != null;
    long start = System.nanoTime();
    StateDict weights = config.model().weights() == null ? null : StateDict.read(Path.of(config.model().weights()));
    Normalization normalization = resolveNormalization(weights);
    config = config.withData(config.data().withNormalize(RunConfig.NormalizeConfig.of(normalization.mean(),
        normalization.std())));
    try (RunData data = RunData.open(config.data(), normalization); Model model = buildModel(data, weights);
        TensorBoardLogger tensorBoard = new TensorBoardLogger(runDir.resolve("tensorboard"))) {
      weights = null; // in the session now: the host copy can go
      JavaHeap.releaseAfterWeightLoading();
      if (!resuming) {
        AtomicFiles.writeString(runDir.resolve("config.yaml"), ConfigLoader.toYaml(config));
        AtomicFiles.writeLines(runDir.resolve("class_names.txt"), data.classes());
      }
      Trainer trainer = new Trainer(model, headPrefix(), config.seed());
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
      List<Callback> callbacks = callbacks(data, history);
      callbacks.add(tensorBoard);
      trainingStarted = true;
      for (int s = 0; s < config.stages().size(); s++) {
        RunConfig.StageConfig stage = config.stages().get(s);
        applyFreezing(model, stage);
        if (s < firstStage) {
          continue;
        }
        trainer.compile(StageSetups.of(stage, batchNormPolicy()), s > 0 && stage.keepOptimizerState());
        int epochs = stage.epochs();
        if (resume != null && s == firstStage) {
          TrainerState saved = resume.state();
          Checkpoints.restore(runDir, trainer, saved);
          JavaHeap.releaseAfterWeightLoading();
          epochs -= saved.stageEpoch();
          out.printf(Locale.ROOT, "restored epoch %d (stage %s, %d of its %d epochs done)%n", saved.epochsDone(),
              stage.name(), saved.stageEpoch(), stage.epochs());
        }
        if (epochs <= 0) {
          continue;
        }
        out.printf(Locale.ROOT, "stage %d/%d '%s': %d epochs, %d trainable tensors%n", s + 1, config.stages().size(),
            stage.name(), epochs, model.trainableWeights().size());
        History stageHistory = data.isFeatures() ? trainer.fitOnFeatures(data.train(), data.val(), epochs, callbacks,
            false)
            : stage.cacheFeatures() ? trainer.fitOnCachedFeatures(data.train(), data.val(), epochs, callbacks, false)
            : trainer.fit(data.train(), data.val(), epochs, callbacks, false);
        history.addAll(stageHistory.rows());
      }
      trainer.restoreBestWeights();
      if (data.isFeatures()) {
        // feature shards hold no images: nothing to draw or evaluate on pixels
        History all = new History();
        history.forEach(all::add);
        out.printf(Locale.ROOT, "done in %.1fs: best val acc %.4f at epoch %d; weights %s, metrics %s%n",
            (System.nanoTime() - start) / 1e9, trainer.state().bestValAccuracy(), trainer.state().bestEpoch(),
            runDir.resolve(Checkpoints.BEST), runDir.resolve("metrics.csv"));
        return new Outcome(runDir, all, trainer.state().bestValAccuracy(), trainer.state().bestEpoch());
      }
      RgbImage predictionGrid = writePredictionGrid(model, data);
      if (predictionGrid != null) {
        tensorBoard.image("val_predictions", trainer.state().epochsDone(), predictionGrid);
      }
      RunEvaluation.Outcome evaluation = RunEvaluation.evaluateValidation(runDir, model, data.val(), data.classes(),
          config.data().root());
      History all = new History();
      history.forEach(all::add);
      out.printf(Locale.ROOT, "done in %.1fs: best val acc %.4f at epoch %d (top-1 %.4f, top-5 %.4f)%n"
              + "  weights %s, report %s, evaluation %s/, metrics %s%n",
          (System.nanoTime() - start) / 1e9, trainer.state().bestValAccuracy(), trainer.state().bestEpoch(),
          evaluation.evaluation().metrics().top1Accuracy(), evaluation.evaluation().metrics().top5Accuracy(),
          runDir.resolve(Checkpoints.BEST), evaluation.report(), evaluation.directory(), runDir.resolve("metrics.csv"));
      if (data.train().skippedImages() + data.val().skippedImages() > 0) {
        out.printf("%d unreadable images were skipped%n", data.train().skippedImages() + data.val().skippedImages());
      }
      return new Outcome(runDir, all, trainer.state().bestValAccuracy(), trainer.state().bestEpoch());
    }
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

  /** data.normalize if set, else what the weights record (Keras' caffe mean), else ImageNet's. */
  private Normalization resolveNormalization(StateDict weights) {
    if (config.data().normalize() != null) {
      return RunData.normalization(config.data().normalize());
    }
    return weights == null ? Normalization.IMAGENET
        : Normalization.fromMetadata(weights.metadata()).orElse(Normalization.IMAGENET);
  }

  private Model buildModel(RunData data, StateDict weights) throws IOException {
    int classes = data.classes().size();
    if (config.model().numClasses() != null && config.model().numClasses() != classes) {
      throw new IllegalArgumentException("model.num_classes is " + config.model().numClasses() + " but "
          + config.data().root() + " holds " + classes + " classes " + data.classes());
    }
    GpuCheck.require(config.device());
    int size = data.imageSize();
    Model model = ModelZoo.create(config.model().arch(), headSpec(classes), size, size,
        new SessionOptions(config.threads(), 2));
    model.setInitSeed(config.seed());
    if (weights != null) {
      try {
        loadWeights(model, weights, config.model().weights(), config.model().strict(), headPrefix(), out);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
    model.ensureInitialized();
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
    RunConfig.HeadConfig head = config.model().head();
    return head.type().equals("mlp") ? HeadSpec.mlp(classes, head.pool(), head.hidden(), head.dropout().floatValue())
        : HeadSpec.linear(classes);
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

  private List<Callback> callbacks(RunData data, List<EpochMetrics> previous) throws IOException {
    Set<String> groupNames = new LinkedHashSet<>();
    config.stages().forEach(s -> s.groups().forEach(g -> groupNames.add(g.name())));
    List<Callback> callbacks = new ArrayList<>();
    callbacks.add(new ProgressReporter(out, interactive));
    callbacks.add(new CsvLogger(runDir.resolve("metrics.csv"), List.copyOf(groupNames)));
    callbacks.add(new CurvePlots(runDir, previous));
    callbacks.add(new ModelCheckpoint(runDir.resolve(Checkpoints.BEST), Map.of("arch", config.model().arch(),
        "classes", String.join(",", data.classes()))));
    callbacks.add(new LastCheckpoint(runDir, previous));
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

  /** Writes last.safetensors (weights, optimizer state, counters, history) after every epoch. */
  private static final class LastCheckpoint implements Callback {
    private final Path runDir;
    private final List<EpochMetrics> history;

    LastCheckpoint(Path runDir, List<EpochMetrics> previous) {
      this.runDir = runDir;
      this.history = new ArrayList<>(previous);
    }

    @Override
    public void onPhaseEnd(Trainer trainer, EpochMetrics metrics) {
      history.add(metrics);
    }

    @Override
    public boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
      try {
        Checkpoints.writeLast(runDir, trainer, history);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return false;
    }
  }
}
