package dev.tfjtransfer.train;

import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * fastai's layer groups, for discriminative learning rates: the model's top-level children in
 * order, the head last. A top-level layer holding weights directly (a stem such as resnet's
 * {@code conv1} and {@code bn1}) joins the child after it, so resnet gives conv1+bn1+layer1,
 * layer2, layer3, layer4, fc, and vgg16 gives features, classifier.0-5, classifier.6. Each group is
 * a list of {@link NamePattern}s (module names).
 */
public final class LayerGroups {
  private LayerGroups() {}

  /** The groups of {@code model}, first layer first, the head ({@code headPrefix}) last. */
  public static List<List<String>> of(Model model, String headPrefix) {
    NamePattern head = NamePattern.of(headPrefix);
    // top-level child -> its patterns; whether it holds weights directly (a stem layer)
    Map<String, List<String>> patterns = new LinkedHashMap<>();
    Map<String, Boolean> leaf = new LinkedHashMap<>();
    for (Parameter p : model.parameters()) {
      if (head.matches(p.name())) {
        continue;
      }
      String[] parts = p.name().split("\\.");
      String child = parts[0];
      // the head's parent (vgg's classifier) contributes its other sub-modules
      String module = headPrefix.startsWith(child + ".") && parts.length > 2 ? child + "." + parts[1] : child;
      List<String> list = patterns.computeIfAbsent(child, c -> new ArrayList<>());
      if (!list.contains(module)) {
        list.add(module);
      }
      leaf.merge(child, parts.length == 2, Boolean::logicalAnd);
    }
    List<List<String>> groups = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : patterns.entrySet()) {
      pending.addAll(e.getValue());
      if (!leaf.get(e.getKey())) {
        groups.add(pending);
        pending = new ArrayList<>();
      }
    }
    if (!pending.isEmpty()) {
      groups.add(pending);
    }
    groups.add(List.of(headPrefix));
    return groups;
  }

  /**
   * The learning rate of each of {@code count} groups, fastai's {@code even_mults(lr / lrMult,
   * lr, count)}: geometric from lr / lrMult (first group) to lr (last group).
   */
  public static List<Double> discriminativeLrs(double lr, double lrMult, int count) {
    List<Double> lrs = new ArrayList<>();
    if (count == 1) {
      lrs.add(lr);
      return lrs;
    }
    double start = lr / lrMult;
    double step = Math.pow(lrMult, 1.0 / (count - 1));
    for (int i = 0; i < count; i++) {
      lrs.add(start * Math.pow(step, i));
    }
    return lrs;
  }
}
