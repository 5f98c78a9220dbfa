package dev.tfjtransfer.cli;

import dev.tfjtransfer.data.DemoDataset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo-data}: writes the embedded default dataset. */
@Command(name = "demo-data", mixinStandardHelpOptions = true,
    description = "Generate the demo ImageFolder dataset (train/ and val/, 3 classes, 500x375 JPEGs).")
final class DemoDataCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "demo-data", description = "directory to create (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--train-per-class", defaultValue = "40")
  int trainPerClass;

  @Option(names = "--val-per-class", defaultValue = "12")
  int valPerClass;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Override
  public Integer call() throws Exception {
    DemoDataset.generate(out, trainPerClass, valPerClass, seed);
    System.out.println("demo dataset in " + out + " (classes " + DemoDataset.CLASSES + ")");
    return 0;
  }
}
