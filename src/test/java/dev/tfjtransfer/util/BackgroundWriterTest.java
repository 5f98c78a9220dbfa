package dev.tfjtransfer.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Background writes land in order, run off the caller's thread, and a failure surfaces on the caller's side. */
class BackgroundWriterTest {
  @TempDir
  Path dir;

  @Test
  void writesRunInOrderOffTheCallersThreadAndAreDoneAfterAwait() throws Exception {
    List<String> done = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    try (BackgroundWriter writer = new BackgroundWriter()) {
      writer.write(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
        done.add("first on " + Thread.currentThread().getName());
      });
      // the first write is blocked, yet the caller goes on
      assertEquals(List.of(), done);
      release.countDown();
      writer.write(() -> Files.writeString(dir.resolve("second"), "2"));
      writer.await();
      assertEquals(List.of("first on checkpoint-writer"), done);
      assertEquals("2", Files.readString(dir.resolve("second")));
    }
  }

  @Test
  void aFailedWriteIsRethrownToTheCaller() {
    BackgroundWriter writer = new BackgroundWriter();
    writer.write(() -> {
      throw new IOException("disk full");
    });
    UncheckedIOException e = assertThrows(UncheckedIOException.class, writer::await);
    assertTrue(e.getMessage().contains("disk full"), e.getMessage());
    writer.write(() -> {
      throw new IOException("still full");
    });
    assertThrows(UncheckedIOException.class, writer::close, "close waits and rethrows too");
  }
}
