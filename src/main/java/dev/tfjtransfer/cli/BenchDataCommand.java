package dev.tfjtransfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.bench.DataBenchmark;
import dev.tfjtransfer.data.ImageFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench-data}: input pipeline throughput, JSON lines comparable with the peer's data_bench.py. */
@Command(name = "bench-data", mixinStandardHelpOptions = true,
    description = "Measure ImageFolder + train/val transforms + DataLoader throughput (JSON lines).")
final class BenchDataCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--data", required = true,
      description = "ImageFolder root (its train/ subdirectory if present), e.g. /tmp/peer-data from data_bench.py")
  Path data;

  @Option(names = "--workers", split = ",", defaultValue = "0,2")
  List<Integer> workers;

  @Option(names = "--pipelines", split = ",", defaultValue = "train,val")
  List<String> pipelines;

  @Option(names = "--batch", defaultValue = "4", description = "the tutorial's batch size (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--epochs", defaultValue = "3")
  int epochs;

  @Override
  public Integer call() throws Exception {
    Path root = Files.isDirectory(data.resolve("train")) ? data.resolve("train") : data;
    ImageFolder folder = ImageFolder.open(root);
    for (String pipeline : pipelines) {
      if (!pipeline.equals("train") && !pipeline.equals("val")) {
        throw new IllegalArgumentException("--pipelines takes train and val; received: " + pipeline);
      }
      for (int w : workers) {
        System.out.println(JSON.writeValueAsString(DataBenchmark.run(folder, pipeline, w, batch, epochs)));
      }
    }
    return 0;
  }
}
