package dev.tfjtransfer.cli;

import dev.tfjtransfer.util.ProcessClock;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tfj} command line ({@code bin/tfj}, {@code java -jar tfj-transfer.jar}): a thin shell over the library. */
@Command(name = "tfj", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Transfer learning of ImageNet CNNs on the JVM with TensorFlow Java.",
    subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, LrFindCommand.class,
        ConvertCommand.class, SummaryCommand.class, ModelsCommand.class, DemoDataCommand.class, ExportCommand.class,
        BenchCommand.class, BenchDataCommand.class, TrainDrawsCommand.class})
public final class Main implements Runnable {
  /** Commands that never load TensorFlow, so its log lines need no warm-up. */
  private static final Set<String> WITHOUT_TENSORFLOW = Set.of("demo-data", "bench-data", "train-draws");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "also show TensorFlow's native INFO log lines")
  boolean verbose;

  public static void main(String[] args) {
    ProcessClock.markMainEntered();
    System.setProperty("java.awt.headless", "true");
    // warnings (e.g. a skipped unreadable image) as one line each on stderr
    System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%n");
    CommandLine cli = commandLine();
    cli.setExecutionStrategy(parseResult -> {
      if (!isHelpRequest(parseResult) && !verbose(parseResult)) {
        try {
          NativeLogs.setLevelBeforeLoading();
          if (!parseResult.isVersionHelpRequested() && !WITHOUT_TENSORFLOW.contains(subcommand(parseResult))) {
            NativeLogs.absorbFirstUseLines();
          }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
          // no libc through JNA here (e.g. a noexec temp directory): a noisier console, nothing worse
          cli.getErr().println("warning: cannot quiet TensorFlow's native log lines: " + e.getMessage());
        }
      }
      try {
        return new CommandLine.RunLast().execute(parseResult);
      } catch (OutOfMemoryError e) {
        // one line like every other error (picocli's handler sees only Exceptions), not a stack trace
        cli.getErr().println("error: out of Java heap (-Xmx" + Runtime.getRuntime().maxMemory() / (1 << 20)
            + "m): raise it, e.g. TFJ_OPTS=-Xmx8g bin/tfj ... or java -Xmx8g -jar tfj-transfer.jar ...");
        return 1;
      }
    });
    System.exit(cli.execute(args));
  }

  private static String subcommand(CommandLine.ParseResult parseResult) {
    return parseResult.hasSubcommand() ? parseResult.subcommand().commandSpec().name() : "";
  }

  private static boolean isHelpRequest(CommandLine.ParseResult parseResult) {
    return parseResult.asCommandLineList().stream().map(CommandLine::getParseResult)
        .anyMatch(r -> r.isUsageHelpRequested()) || !parseResult.hasSubcommand() && !parseResult
        .isVersionHelpRequested();
  }

  private static boolean verbose(CommandLine.ParseResult parseResult) {
    return parseResult.asCommandLineList().stream().anyMatch(c -> c.getParseResult().hasMatchedOption("--verbose"));
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

  static String describe(Throwable e) {
    // wrappers (UncheckedIOException, new X(cause)) carry "java.io.IOException: ..." as their message
    if (e.getCause() != null && (e instanceof java.io.UncheckedIOException || e.getMessage() == null
        || e.getMessage().equals(e.getCause().toString()))) {
      return describe(e.getCause());
    }
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
