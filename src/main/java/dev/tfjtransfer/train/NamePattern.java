package dev.tfjtransfer.train;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A parameter selector as users write them against the PyTorch tutorial: an exact name
 * ({@code classifier.6.weight}), a child module ({@code layer4}, {@code classifier.6}: every
 * parameter under it), or a glob where {@code *} matches any characters ({@code features.*},
 * {@code layer*.bn*.weight}). {@code *} alone matches everything.
 */
public final class NamePattern {
  private final String text;
  private final Pattern glob;

  private NamePattern(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a parameter pattern must not be empty");
    }
    this.text = text.trim();
    this.glob = this.text.contains("*") ? Pattern.compile(toRegex(this.text)) : null;
  }

  public static NamePattern of(String text) {
    return new NamePattern(text);
  }

  public boolean matches(String parameterName) {
    if (glob != null) {
      return glob.matcher(parameterName).matches();
    }
    return parameterName.equals(text) || parameterName.startsWith(text + ".");
  }

  @Override
  public String toString() {
    return text;
  }

  private static String toRegex(String globText) {
    return Arrays.stream(globText.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
  }
}
