package dev.tfjtransfer.config;

/** A config problem, in one line naming the file, line and key. */
public final class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(message);
  }
}
