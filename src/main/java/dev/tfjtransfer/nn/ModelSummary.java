package dev.tfjtransfer.nn;

import java.util.Collection;
import java.util.List;

/** Formats {@link Model#summary()}: one row per layer as first called, then parameter totals. */
final class ModelSummary {
  private ModelSummary() {}

  static String format(Model model, Collection<Model.SummaryRow> rows) {
    StringBuilder sb = new StringBuilder();
    String format = "%-28s %-44s %-22s %12s  %s%n";
    sb.append(String.format(format, "Layer", "Type", "Output shape", "Params", "Trainable"));
    sb.append("-".repeat(120)).append('\n');
    for (Model.SummaryRow row : rows) {
      Layer layer = row.layer();
      if (!layer.children().isEmpty()) {
        continue;
      }
      List<Parameter> own = layer.ownParameters().stream().filter(p -> p.kind() == Parameter.Kind.WEIGHT).toList();
      long count = own.stream().mapToLong(Parameter::size).sum();
      String trainable = own.isEmpty() ? "" : own.stream().allMatch(Parameter::isTrainable) ? "yes"
          : own.stream().noneMatch(Parameter::isTrainable) ? "no" : "partly";
      sb.append(String.format(format, layer.path(), layer.describe(), row.outputShape(), String.format("%,d", count),
          trainable));
    }
    long total = model.weights().stream().mapToLong(Parameter::size).sum();
    long trainable = model.trainableWeights().stream().mapToLong(Parameter::size).sum();
    sb.append("-".repeat(120)).append('\n');
    sb.append(String.format("%s: %,d parameters, %,d trainable, %,d frozen%n", model.architecture(), total, trainable,
        total - trainable));
    return sb.toString();
  }
}
