package dev.tfjtransfer.weights;

import java.io.IOException;
import java.nio.file.Path;

/** A weights file that cannot be read: the message names the file and what was expected. */
public final class InvalidWeightsFileException extends IOException {
  public InvalidWeightsFileException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public InvalidWeightsFileException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
