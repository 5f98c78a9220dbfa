package dev.tfjtransfer.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Maps a partition's rows in batches, lazily: at most one batch of input and its outputs are in
 * memory, however large the partition.
 */
final class Batches {
  private Batches() {}

  static <A, B> Iterator<B> map(Iterator<A> rows, int batchSize, Function<List<A>, List<B>> mapBatch) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive; received: " + batchSize);
    }
    return new Iterator<>() {
      private Iterator<B> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && rows.hasNext()) {
          List<A> batch = new ArrayList<>(batchSize);
          while (batch.size() < batchSize && rows.hasNext()) {
            batch.add(rows.next());
          }
          current = mapBatch.apply(batch).iterator();
        }
        return current.hasNext();
      }

      @Override
      public B next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }
}
