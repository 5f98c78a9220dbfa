package dev.tfjtransfer.config;

import java.util.Arrays;

/** Value checks whose messages name the key and what was expected. */
final class Checks {
  private Checks() {}

  static void oneOf(String key, String value, String... allowed) {
    if (!Arrays.asList(allowed).contains(value)) {
      throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + "; received: "
          + value);
    }
  }

  static void positive(String key, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(key + " must be a positive integer; received: " + value);
    }
  }

  static void range(String key, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(key + " must be in [" + number(min) + ", " + number(max) + "]; received: "
          + number(value));
    }
  }

  static void nonNegative(String key, double value) {
    if (!(value >= 0)) {
      throw new IllegalArgumentException(key + " must be >= 0; received: " + value);
    }
  }

  static void positiveNumber(String key, double value) {
    if (!(value > 0)) {
      throw new IllegalArgumentException(key + " must be positive; received: " + value);
    }
  }

  /** 1 rather than 1.0 for a whole number (epochs), the double otherwise (a learning rate). */
  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value) : String.valueOf(value);
  }
}
