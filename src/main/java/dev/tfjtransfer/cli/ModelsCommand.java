package dev.tfjtransfer.cli;

import dev.tfjtransfer.zoo.Architecture;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.ModelZoo;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code models}: the zoo's table, one architecture per line. */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "List the architectures: parameters (1000 classes), eval transforms of the published weights, weights URL.")
final class ModelsCommand implements Callable<Integer> {
  @Option(names = "--markdown", description = "a Markdown table, as in the README")
  boolean markdown;

  @Override
  public Integer call() {
    if (markdown) {
      System.out.println("| model | family | parameters | eval resize / crop | interpolation | ImageNet weights |");
      System.out.println("|---|---|---:|---|---|---|");
    } else {
      System.out.printf("%-20s %-16s %13s  %-11s %-13s %s%n", "model", "family", "parameters", "resize/crop",
          "interpolation", "weights");
    }
    for (String name : ModelZoo.ARCHITECTURES) {
      Architecture row = ModelZoo.architecture(name);
      EvalPreset eval = row.eval();
      String sizes = eval.resizeSize() + "/" + eval.cropSize();
      String interpolation = eval.interpolation().name().toLowerCase(Locale.ROOT);
      if (markdown) {
        System.out.printf(Locale.ROOT, "| %s | %s | %,d | %s | %s | %s |%n", name, row.family(), row.parameters(), sizes,
            interpolation, row.weightsUrl());
      } else {
        System.out.printf(Locale.ROOT, "%-20s %-16s %,13d  %-11s %-13s %s%n", name, row.family(), row.parameters(),
            sizes, interpolation, row.weightsUrl());
      }
    }
    return 0;
  }
}
