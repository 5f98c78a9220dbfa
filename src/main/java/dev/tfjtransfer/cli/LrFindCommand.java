package dev.tfjtransfer.cli;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.run.TrainingRun;
import dev.tfjtransfer.train.LrFinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lr-find}: fastai's learning-rate range test on what a training config describes. */
@Command(name = "lr-find", mixinStandardHelpOptions = true,
    description = "LR range test (fastai's lr_find) on the config's model, data and first stage; writes a PNG of"
        + " loss against learning rate and prints the suggested rates.")
final class LrFindCommand implements Callable<Integer> {
  @Option(names = "--config", defaultValue = "config.yaml", description = "YAML config (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--set", description = "override a key, e.g. --set data.batch_size=32 (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--start-lr", defaultValue = "1e-7", description = "first learning rate (default: ${DEFAULT-VALUE})")
  double startLr;

  @Option(names = "--end-lr", defaultValue = "10", description = "last learning rate (default: ${DEFAULT-VALUE})")
  double endLr;

  @Option(names = "--num-it", defaultValue = "100", description = "batches to sweep over (default: ${DEFAULT-VALUE})")
  int numIt;

  @Option(names = "--no-stop-div", description = "keep going when the loss diverges (more than 4x its minimum)")
  boolean noStopDiv;

  @Option(names = "--out", defaultValue = "lr_find.png", description = "the plot (default: ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() throws Exception {
    RunConfig run = ConfigLoader.load(config, overrides);
    LrFinder.Result result = TrainingRun.findLearningRate(run, new LrFinder.Options(startLr, endLr, numIt,
        !noStopDiv), out, System.out);
    System.out.printf(Locale.ROOT, "%d batches, smoothed loss %.4f to %.4f; plot in %s%n", result.lrs().size(),
        result.losses().get(0), result.losses().get(result.losses().size() - 1), out);
    if (Double.isNaN(result.steep())) {
      System.out.println("too few batches before divergence to suggest a rate: lower --end-lr or raise --num-it");
    } else {
      System.out.printf(Locale.ROOT, "suggested lr: valley %.3e, steep %.3e%n", result.valley(), result.steep());
    }
    return 0;
  }
}
