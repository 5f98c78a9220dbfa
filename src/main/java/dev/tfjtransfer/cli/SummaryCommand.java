package dev.tfjtransfer.cli;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.zoo.Architecture;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code summary}: the layer table of an architecture. */
@Command(name = "summary", mixinStandardHelpOptions = true,
    description = "Print layers, output shapes and parameter counts of an architecture at its eval crop size.")
final class SummaryCommand implements Callable<Integer> {
  @Mixin
  ModelOptions model;

  @Override
  public Integer call() {
    Architecture row = ModelZoo.architecture(model.architecture);
    EvalPreset eval = row.eval();
    System.out.printf(Locale.ROOT, "%s (%s): %,d parameters with the 1000-class head; eval Resize(%d, %s),"
        + " CenterCrop(%d); weights %s%n", row.name(), row.family(), row.parameters(), eval.resizeSize(),
        eval.interpolation().name().toLowerCase(Locale.ROOT), eval.cropSize(), row.weightsUrl());
    try (Model built = model.create()) {
      System.out.print(built.summary());
    }
    return 0;
  }
}
