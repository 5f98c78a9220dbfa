package dev.tfjtransfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.bench.BenchResult;
import dev.tfjtransfer.bench.ModelBenchmark;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench}: JSON lines comparable with the PyTorch peer, bench/pytorch_bench.py. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure img/s of eval, frozen-head and full training on synthetic input (JSON lines).")
final class BenchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--models", split = ",", defaultValue = "resnet18,resnet50,vgg16",
      description = "architectures, any the `models` command lists (default: ${DEFAULT-VALUE})")
  List<String> models;

  @Option(names = "--modes", split = ",", defaultValue = "eval,frozen,full")
  List<String> modes;

  @Option(names = "--batch", defaultValue = "16", description = "training batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--eval-batch", defaultValue = "32", description = "eval batch (default: ${DEFAULT-VALUE})")
  int evalBatch;

  @Option(names = "--size", defaultValue = "224")
  int size;

  @Option(names = "--threads", defaultValue = "2", description = "intra-op threads (default: ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--inter-op-threads", defaultValue = "2", description = "inter-op threads (default: ${DEFAULT-VALUE})")
  int interOpThreads;

  @Option(names = "--kernels", description = "after timing, trace one step and add the kernels it executed, by op type"
      + " and element type (e.g. \"Conv2DBackpropFilter bfloat16\": 20), and their summed time in that step,"
      + " to the JSON line")
  boolean kernels;

  @Option(names = "--warmup", defaultValue = "3")
  int warmup;

  @Option(names = "--steps", defaultValue = "20")
  int steps;

  @Option(names = "--time-budget", defaultValue = "60", description = "seconds of timed steps per config, at least 3")
  double timeBudget;

  @Option(names = "--precision", defaultValue = "f32", description = "f32 or bf16 (oneDNN auto mixed precision)")
  String precision;

  @Option(names = "--data", defaultValue = "synthetic",
      description = "synthetic, or an ImageFolder directory (its train/ if present) read with the tutorial's pipeline")
  String data;

  @Option(names = "--impl", defaultValue = "project",
      description = "project (the real model and training code) or handbuilt (the same networks written as raw "
          + "TF ops, the baseline for the abstractions' cost)")
  String implementation;

  @Option(names = "--quick", description = "warm-up 2, 5 steps, 15 s budget (the peer's --quick)")
  boolean quick;

  private SessionOptions.Precision precision() {
    try {
      return SessionOptions.Precision.of(precision);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--precision takes f32 or bf16; received: " + precision);
    }
  }

  private ModelBenchmark.Implementation implementation() {
    return switch (implementation) {
      case "project" -> ModelBenchmark.Implementation.PROJECT;
      case "handbuilt" -> ModelBenchmark.Implementation.HANDBUILT;
      default -> throw new IllegalArgumentException("--impl takes project or handbuilt; received: " + implementation);
    };
  }

  @Override
  public Integer call() throws Exception {
    // an unknown name fails before minutes of timing the others
    models.forEach(ModelZoo::architecture);
    for (String model : models) {
      for (String mode : modes) {
        if (!List.of("eval", "frozen", "full").contains(mode)) {
          throw new IllegalArgumentException("--modes takes eval, frozen, full; received: " + mode);
        }
        int b = mode.equals("eval") ? evalBatch : batch;
        BenchResult r = ModelBenchmark.run(new ModelBenchmark.Config(model, mode, b, size, threads, interOpThreads,
            quick ? 2 : warmup, quick ? 5 : steps, quick ? 15 : timeBudget, precision(),
            data.equals("synthetic") ? null : java.nio.file.Path.of(data), implementation(), kernels));
        System.out.println(JSON.writeValueAsString(r));
      }
    }
    return 0;
  }
}
