package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Which weights to freeze or unfreeze, as the seeds write it: {@code all}, {@code none},
 * {@code all-but-head} (everything except the classifier a head replacement creates), or a list of
 * {@link NamePattern}s (names, child modules, globs). Applying a spec to a model sets
 * {@code requires_grad} (here {@link Parameter#setTrainable}) on the matching weights.
 */
public final class FreezeSpec {
  private final List<String> items;

  private FreezeSpec(List<String> items) {
    this.items = List.copyOf(items);
    if (this.items.isEmpty()) {
      throw new IllegalArgumentException("a freeze spec needs at least one item (all, none, all-but-head or patterns)");
    }
  }

  public static FreezeSpec of(List<String> items) {
    return new FreezeSpec(items);
  }

  public static FreezeSpec of(String... items) {
    return new FreezeSpec(List.of(items));
  }

  public static FreezeSpec all() {
    return of("all");
  }

  public static FreezeSpec allButHead() {
    return of("all-but-head");
  }

  public List<String> items() {
    return items;
  }

  /**
   * The weights of {@code model} this spec selects.
   *
   * @param headPrefix the head's module ({@code fc}, {@code classifier.6}) for {@code all-but-head}
   * @throws IllegalArgumentException if a pattern selects nothing (a typo must not silently train
   *     or freeze the wrong layers)
   */
  public List<Parameter> select(Model model, String headPrefix) {
    List<Parameter> selected = new ArrayList<>();
    NamePattern head = NamePattern.of(headPrefix);
    for (String item : items) {
      List<Parameter> matched = switch (item) {
        case "all" -> model.weights();
        case "none" -> List.of();
        case "all-but-head" -> model.weights().stream().filter(p -> !head.matches(p.name())).toList();
        default -> {
          NamePattern pattern = NamePattern.of(item);
          List<Parameter> hits = model.weights().stream().filter(p -> pattern.matches(p.name())).toList();
          if (hits.isEmpty()) {
            throw new IllegalArgumentException("pattern '" + item + "' matches no weight of " + model.architecture()
                + "; weights look like " + model.weights().get(0).name() + ", layer4.1.conv2.weight, fc.bias");
          }
          yield hits;
        }
      };
      matched.stream().filter(p -> !selected.contains(p)).forEach(selected::add);
    }
    return selected;
  }

  /** Freezes the selected weights: {@code requires_grad = False}. */
  public void freeze(Model model, String headPrefix) {
    select(model, headPrefix).forEach(p -> p.setTrainable(false));
  }

  /** Unfreezes the selected weights: {@code requires_grad = True}. */
  public void unfreeze(Model model, String headPrefix) {
    select(model, headPrefix).forEach(p -> p.setTrainable(true));
  }

  @Override
  public String toString() {
    return String.join(", ", items);
  }
}
