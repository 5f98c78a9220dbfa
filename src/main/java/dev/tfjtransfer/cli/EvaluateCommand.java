package dev.tfjtransfer.cli;

import dev.tfjtransfer.eval.ClassificationMetrics;
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

  @Override
  public Integer call() throws Exception {
    RunEvaluation.Outcome outcome = RunEvaluation.evaluate(run, images);
    ClassificationMetrics m = outcome.evaluation().metrics();
    System.out.printf(Locale.ROOT, "%d images: top-1 %.4f, top-5 %.4f, macro F1 %.4f in %.1fs%n", m.count(),
        m.top1Accuracy(), m.top5Accuracy(), m.macroAverage()[2], outcome.evaluation().seconds());
    System.out.println("report " + outcome.report() + ", evaluation files in " + outcome.directory() + "/");
    return 0;
  }
}
