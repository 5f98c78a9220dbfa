package dev.tfjtransfer.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A batch call with per-image failures: decoding happens inside the TensorFlow graph, where one
 * unreadable image fails the whole batch, so a failed batch is run again image by image and only
 * the images that fail alone get an error. Clean batches (the common case) cost one call.
 */
final class PerImage {
  private PerImage() {}

  /** A value, or the error that replaced it. */
  record Outcome<T>(T value, String error) {}

  static <I, T> List<Outcome<T>> run(List<I> inputs, Function<List<I>, List<T>> batchCall) {
    List<Outcome<T>> outcomes = new ArrayList<>(inputs.size());
    try {
      batchCall.apply(inputs).forEach(v -> outcomes.add(new Outcome<>(v, null)));
      return outcomes;
    } catch (RuntimeException batchFailure) {
      if (inputs.size() == 1) {
        return List.of(new Outcome<>(null, describe(batchFailure)));
      }
    }
    for (I input : inputs) {
      try {
        outcomes.add(new Outcome<>(batchCall.apply(List.of(input)).get(0), null));
      } catch (RuntimeException e) {
        outcomes.add(new Outcome<>(null, describe(e)));
      }
    }
    return outcomes;
  }

  /** TensorFlow's message without the graph's node trace, which follows the first line. */
  private static String describe(RuntimeException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
