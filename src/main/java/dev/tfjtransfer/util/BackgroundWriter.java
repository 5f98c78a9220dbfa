package dev.tfjtransfer.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes files on one background thread, in order, so a checkpoint's write and fsync overlap the
 * next epoch's training instead of stalling it (resnet18's weights and momentum are 135 MB an
 * epoch). At most {@link #MAX_PENDING} writes wait (an epoch's best and last checkpoints): a new
 * one first waits for the oldest, which bounds the snapshots held in memory. A failed write is
 * rethrown by the next {@link #write}, {@link #await} or {@link #close}. The writes themselves stay
 * atomic (temporary file, then rename).
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
  static final int MAX_PENDING = 2;
  private final Deque<Future<?>> pending = new ArrayDeque<>();

  /** Queues {@code write}, first waiting for the oldest queued write if {@link #MAX_PENDING} are queued. */
  public synchronized void write(Write write) {
    while (pending.size() >= MAX_PENDING) {
      awaitOldest();
    }
    pending.add(thread.submit(() -> {
      write.run();
      return null;
    }));
  }

  /** Waits for every queued write; rethrows the first failure. */
  public synchronized void await() {
    while (!pending.isEmpty()) {
      awaitOldest();
    }
  }

  private void awaitOldest() {
    Future<?> done = pending.poll();
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
