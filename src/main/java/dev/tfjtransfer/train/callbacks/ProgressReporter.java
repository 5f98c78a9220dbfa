package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.History;
import dev.tfjtransfer.train.Trainer;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress as the tutorial prints it: on a terminal, a bar per phase (steps, img/s, running loss,
 * ETA); otherwise (CI, files) one plain line per phase. Writes only to the stream it is given.
 */
public final class ProgressReporter implements Callback {
  private final PrintStream out;
  private final boolean interactive;
  private int totalEpochs;
  private ProgressBar bar;
  private long fitStart;

  public ProgressReporter(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  @Override
  public void onFitBegin(Trainer trainer, int epochs) {
    totalEpochs = trainer.state().epochsDone() + epochs;
    fitStart = System.nanoTime();
  }

  @Override
  public void onPhaseBegin(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batches) {
    if (interactive) {
      bar = new ProgressBarBuilder()
          .setTaskName(String.format("epoch %d/%d %-5s", epoch, totalEpochs, phase.label()))
          .setInitialMax(batches)
          .setStyle(ProgressBarStyle.ASCII)
          .setConsumer(new ConsoleProgressBarConsumer(out))
          .setUpdateIntervalMillis(250)
          .build();
    }
  }

  @Override
  public void onBatchEnd(Trainer trainer, EpochMetrics.Phase phase, int epoch, int batch, int batches,
      double runningLoss, double imagesPerSecond) {
    if (bar != null) {
      bar.stepTo(batch);
      bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f %.1f img/s", runningLoss, imagesPerSecond));
    }
  }

  @Override
  public void onPhaseEnd(Trainer trainer, EpochMetrics m) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    String lrs = m.learningRates().isEmpty() ? "" : " lr " + String.join(",", m.learningRates().stream()
        .map(lr -> String.format(Locale.ROOT, "%.3g", lr)).toList());
    String tta = m.hasTta() ? String.format(Locale.ROOT, " | tta loss %.4f acc %.4f", m.ttaLoss(), m.ttaAccuracy())
        : "";
    out.printf(Locale.ROOT, "epoch %d/%d %-5s loss %.4f acc %.4f%s%s | %.1f img/s %.1fs%n", m.epoch(), totalEpochs,
        m.phase().label(), m.loss(), m.accuracy(), tta, lrs, m.imagesPerSecond(), m.seconds());
  }

  @Override
  public void onFitEnd(Trainer trainer, History history) {
    out.printf(Locale.ROOT, "best val %s %.4f at epoch %d; training took %.1fs%n",
        trainer.selectsBestOnTta() ? "tta acc" : "acc", trainer.state().bestValAccuracy(), trainer.state().bestEpoch(),
        (System.nanoTime() - fitStart) / 1e9);
  }
}
