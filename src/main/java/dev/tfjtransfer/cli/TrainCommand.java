package dev.tfjtransfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.config.RunConfig;
import dev.tfjtransfer.run.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code train}: the tutorial from one YAML file, or the continuation of an interrupted run. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train as config.yaml says; writes a run directory under output_dir.")
final class TrainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--config", defaultValue = "config.yaml", description = "YAML config (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--set", description = "override a key, e.g. --set stages.0.epochs=3 (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--resume", description = "continue the run in this directory from its last completed epoch")
  Path resume;

  @Option(names = "--timings", description = "print where the time went (the run directory's timings.json) as one"
      + " JSON line at the end")
  boolean timings;

  @Override
  public Integer call() throws Exception {
    boolean interactive = System.console() != null;
    TrainingRun.Outcome outcome;
    if (resume != null) {
      outcome = TrainingRun.resume(resume, System.out, interactive);
    } else {
      RunConfig run = ConfigLoader.load(config, overrides);
      outcome = TrainingRun.start(run, System.out, interactive);
    }
    if (timings) {
      System.out.println("timings " + JSON.readTree(outcome.runDir().resolve(TrainingRun.TIMINGS).toFile()));
    }
    return 0;
  }
}
