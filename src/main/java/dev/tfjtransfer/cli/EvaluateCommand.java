package dev.tfjtransfer.cli;

import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.eval.ClassificationMetrics;
import dev.tfjtransfer.eval.Evaluation;
import dev.tfjtransfer.eval.EvaluationWriter;
import dev.tfjtransfer.eval.Evaluator;
import dev.tfjtransfer.run.RunEvaluation;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evaluate}: a run's best weights on labelled images: metrics files and report.html. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a run's best weights: confusion matrix, per-class precision/recall/F1, top-1/top-5,"
        + " most confidently wrong images, report.html.")
final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--run", required = true, description = "a finished run directory")
  Path run;

  @Option(names = "--images", description = "ImageFolder directory (one subfolder per class); default: the run's"
      + " validation set")
  Path images;

  @Option(names = "--tta", description = "test-time augmentation reported beside the plain figures: none, flip,"
      + " five_crop or ten_crop (torchvision's FiveCrop/TenCrop in place of the final center crop), probabilities"
      + " averaged over the views; its files go to tta-<mode>/ (default: the run's tta.mode, none unless set)")
  String tta;

  @Override
  public Integer call() throws Exception {
    TestTimeAugmentation views = null;
    if (tta != null) {
      try {
        views = TestTimeAugmentation.parse(tta);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--tta " + tta + ": " + e.getMessage());
      }
    }
    RunEvaluation.Outcome outcome = RunEvaluation.evaluate(run, images, views);
    Evaluator.WithTta result = outcome.result();
    System.out.println(line("", result.plain()));
    if (result.tta() != TestTimeAugmentation.NONE) {
      String mode = result.tta().name().toLowerCase(Locale.ROOT);
      System.out.println(line("with " + mode + " TTA (" + result.tta().views() + " views): ", result.augmented()));
    }
    System.out.println("report " + outcome.report() + ", evaluation files in " + outcome.directory() + "/"
        + (result.tta() == TestTimeAugmentation.NONE ? ""
            : " (TTA in " + EvaluationWriter.ttaDirectory(outcome.directory(), result.tta()) + "/)"));
    return 0;
  }

  private static String line(String prefix, Evaluation e) {
    ClassificationMetrics m = e.metrics();
    return prefix + String.format(Locale.ROOT, "%d images: top-1 %.4f, top-5 %.4f, macro F1 %.4f, log loss"
        + " %.4f in %.1fs", m.count(), m.top1Accuracy(), m.top5Accuracy(), m.macroAverage()[2], e.logLoss(),
        e.seconds());
  }
}
