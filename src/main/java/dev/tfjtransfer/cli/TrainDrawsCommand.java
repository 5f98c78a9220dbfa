package dev.tfjtransfer.cli;

import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.run.TrainDraws;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code train-draws}: a run's training samples and augmentation draws as JSON, to replay them elsewhere. */
@Command(name = "train-draws", mixinStandardHelpOptions = true,
    description = "Print, as one JSON document, the training samples of the first epochs in the order train feeds"
        + " them with this config, and each one's random crop and flip, for replaying the run's data in PyTorch.")
final class TrainDrawsCommand implements Callable<Integer> {
  @Option(names = "--config", defaultValue = "config.yaml", description = "YAML config (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--set", description = "override a key, e.g. --set seed=3 (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--epochs", defaultValue = "1", description = "the first N training epochs (default: ${DEFAULT-VALUE})")
  int epochs;

  @Override
  public Integer call() throws Exception {
    System.out.println(TrainDraws.of(ConfigLoader.load(config, overrides), epochs).toJson());
    return 0;
  }
}
