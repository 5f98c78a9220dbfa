package dev.tfjtransfer.data;

import java.io.IOException;
import java.util.List;

/** Labelled images addressed by index, like a torch map-style dataset. */
public interface Dataset {
  int size();

  /** Class names, index = label. */
  List<String> classes();

  int label(int index);

  /** Decodes sample {@code index}; an unreadable file is an IOException naming it. */
  RgbImage image(int index) throws IOException;

  /** Where sample {@code index} comes from, for messages. */
  String describe(int index);
}
