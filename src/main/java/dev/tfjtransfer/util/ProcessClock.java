package dev.tfjtransfer.util;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The process's start (from the OS) and the moment {@code main} was entered, so a run can say how
 * much of its wall time went to starting the JVM before any of its own code ran.
 */
public final class ProcessClock {
  private static volatile Instant mainEntered;

  private ProcessClock() {}

  /** Call first thing in {@code main}. */
  public static void markMainEntered() {
    mainEntered = Instant.now();
  }

  /** When the OS started this process (10 ms resolution on Linux), if it says. */
  public static Optional<Instant> processStart() {
    return ProcessHandle.current().info().startInstant();
  }

  /** When {@code main} was entered, if the entry point marked it. */
  public static Optional<Instant> mainEntered() {
    return Optional.ofNullable(mainEntered);
  }

  public static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }
}
