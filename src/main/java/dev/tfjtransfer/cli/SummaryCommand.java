package dev.tfjtransfer.cli;

import dev.tfjtransfer.nn.Model;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code summary}: the layer table of an architecture. */
@Command(name = "summary", mixinStandardHelpOptions = true,
    description = "Print layers, output shapes and parameter counts of an architecture (224x224 input).")
final class SummaryCommand implements Callable<Integer> {
  @Mixin
  ModelOptions model;

  @Override
  public Integer call() {
    try (Model built = model.create()) {
      System.out.print(built.summary());
    }
    return 0;
  }
}
