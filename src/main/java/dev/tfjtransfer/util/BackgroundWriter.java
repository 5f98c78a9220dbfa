package dev.tfjtransfer.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes files on one background thread, one at a time, so a checkpoint's write and fsync overlap
 * the next epoch's training instead of stalling it (resnet18's weights and momentum are 135 MB an
 * epoch). A new write first waits for the previous one, so writes land in order and at most one
 * snapshot waits in memory; a failed write is rethrown by the next {@link #write}, {@link #await}
 * or {@link #close}. The writes themselves stay atomic (temporary file, then rename).
 */
public final class BackgroundWriter implements AutoCloseable {
  /** A write that may fail with an IOException. */
  @FunctionalInterface
  public interface Write {
    void run() throws IOException;
  }

  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "checkpoint-writer");
    t.setDaemon(true);
    return t;
  });
  private Future<?> pending;

  /** Queues {@code write} after the previous one has finished. */
  public synchronized void write(Write write) {
    await();
    pending = thread.submit(() -> {
      write.run();
      return null;
    });
  }

  /** Waits for the queued write; rethrows its failure. */
  public synchronized void await() {
    if (pending == null) {
      return;
    }
    Future<?> done = pending;
    pending = null;
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a checkpoint write", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Waits for the last write, then stops the thread. */
  @Override
  public void close() {
    try {
      await();
    } finally {
      thread.shutdown();
    }
  }
}
