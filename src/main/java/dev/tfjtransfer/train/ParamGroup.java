package dev.tfjtransfer.train;

import java.util.List;

/**
 * A parameter group: the weights matching any of {@code patterns} train with their own learning
 * rate and weight decay, as a dict in {@code optimizer = SGD([{"params": ..., "lr": ...}])}.
 * A weight belongs to the one group whose patterns match it, else to the group without patterns;
 * a pattern that matches no trainable weight, or a weight two groups match, is an error.
 */
public record ParamGroup(String name, List<String> patterns, double lr, double weightDecay) {
  public ParamGroup {
    patterns = List.copyOf(patterns);
    if (!(lr >= 0) || !(weightDecay >= 0)) {
      throw new IllegalArgumentException("group '" + name + "' needs lr >= 0 and weight_decay >= 0; received: lr="
          + lr + ", weight_decay=" + weightDecay);
    }
  }

  public static ParamGroup of(String name, double lr, String... patterns) {
    return new ParamGroup(name, List.of(patterns), lr, 0);
  }

  boolean matches(String parameterName) {
    return patterns.stream().anyMatch(p -> NamePattern.of(p).matches(parameterName));
  }
}
