package dev.tfjtransfer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tfj-transfer} command line: a thin shell over the library's Java API. */
@Command(name = "tfj-transfer", mixinStandardHelpOptions = true, version = "tfj-transfer 0.1.0",
    description = "Transfer learning of ImageNet CNNs on the JVM with TensorFlow Java.",
    subcommands = {TrainCommand.class, LrFindCommand.class, PredictCommand.class, ConvertCommand.class, SummaryCommand.class,
        DemoDataCommand.class, ExportCommand.class, BenchCommand.class, BenchDataCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    // warnings (e.g. a skipped unreadable image) as one line each on stderr
    System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%n");
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, for embedding and tests. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      // one clear line for the user; the stack trace only on request
      commandLine.getErr().println("error: " + describe(e));
      if (System.getenv("TFJ_DEBUG") != null) {
        e.printStackTrace(commandLine.getErr());
      }
      return 1;
    });
    return cli;
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return e.getMessage() + ": no such file or directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return e.getMessage() + ": permission denied";
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
