package dev.tfjtransfer.run;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.Dataset;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.eval.Evaluation;
import dev.tfjtransfer.eval.EvaluationWriter;
import dev.tfjtransfer.eval.Evaluator;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.report.RunReport;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Evaluates a run's best weights on its validation set (what {@code train} does at its end) or
 * on another labelled ImageFolder directory, and writes the evaluation files and {@code report.html}.
 */
public final class RunEvaluation {
  /** The validation set's evaluation inside a run directory. */
  public static final String VAL_DIR = "eval";

  private RunEvaluation() {}

  /** Where the files went and what they say: the plain evaluation and the test-time augmented one. */
  public record Outcome(Path directory, Path report, Evaluator.WithTta result) {
    /** The plain evaluation. */
    public Evaluation evaluation() {
      return result.plain();
    }
  }

  /** With the run's own test-time augmentation setting ({@code tta.mode}, none unless configured). */
  public static Outcome evaluate(Path runDir, Path images) throws IOException {
    return evaluate(runDir, images, null);
  }

  /**
   * @param images an ImageFolder directory (class subfolders) or null for the run's validation set;
   *     its evaluation goes to {@code RUN/eval-<name>/} with its own report.html, the validation
   *     set's to {@code RUN/eval/} and {@code RUN/report.html}
   * @param tta test-time augmentation evaluated beside the plain figures (its files in
   *     {@code tta-<mode>/} of the evaluation directory); null for the run's {@code tta.mode}
   */
  public static Outcome evaluate(Path runDir, Path images, TestTimeAugmentation tta) throws IOException {
    RunArtifacts run = RunArtifacts.load(runDir);
    RunConfig config = ConfigLoader.load(runDir.resolve("config.yaml"), List.of());
    Dataset dataset;
    String source;
    Path dir;
    Path html;
    if (images == null) {
      dataset = RunData.valDataset(config.data());
      source = "validation set " + config.data().root();
      dir = runDir.resolve(VAL_DIR);
      html = runDir.resolve(RunReport.FILE);
    } else {
      if (!Files.isDirectory(images)) {
        throw new IOException(images + ": not a directory (expected an ImageFolder: one subfolder per class)");
      }
      dataset = ImageFolder.open(images, config.data().maxImagePixels());
      source = images.toString();
      dir = runDir.resolve("eval-" + images.toAbsolutePath().normalize().getFileName());
      html = dir.resolve(RunReport.FILE);
    }
    int size = run.evalPipeline().size();
    try (Model model = ModelZoo.create(run.architecture(), run.head(), size, size, SessionOptions.defaults());
        DataLoader loader = DataLoader.builder(dataset, run.evalPipeline()).optBatchSize(config.data().valBatchSize())
            .optWorkers(config.data().workers()).optBadImages(run.badImages()).build()) {
      model.loadStateDict(run.weights(), LoadMode.STRICT);
      TestTimeAugmentation views = tta != null ? tta : config.tta().views();
      return write(runDir, Evaluator.evaluate(model, loader, run.classNames(), views), loader, source, dir, html);
    }
  }

  /**
   * Evaluates {@code model} (the run's best weights) on the validation loader at the end of
   * training, with {@code tta} beside the plain figures unless NONE.
   */
  static Outcome evaluateValidation(Path runDir, Model model, DataLoader val, List<String> classes, String root,
      TestTimeAugmentation tta) throws IOException {
    return writeValidation(runDir, Evaluator.evaluate(model, val, classes, tta), val, root);
  }

  /**
   * Writes the evaluation files and report of the best weights' own validation pass (its logits,
   * computed by the training run over {@code val}) instead of running the pass again.
   */
  static Outcome writeValidation(Path runDir, Evaluator.WithTta validation, DataLoader val, String root)
      throws IOException {
    return write(runDir, validation, val, "validation set " + root, runDir.resolve(VAL_DIR),
        runDir.resolve(RunReport.FILE));
  }

  private static Outcome write(Path runDir, Evaluator.WithTta result, DataLoader loader, String source, Path dir,
      Path html) throws IOException {
    EvaluationWriter.write(result, loader.dataset(), loader.pipeline(), source, dir);
    RunReport.write(runDir, dir, result, source, html);
    return new Outcome(dir, html, result);
  }
}
