package dev.tfjtransfer.nn;

import java.util.List;

/**
 * What {@link Model#loadStateDict} did, as {@code load_state_dict} reports it: keys the model has
 * but the weights lack, keys the weights have but the model lacks, and keys whose shapes differ.
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected, List<String> mismatched) {
  public LoadReport {
    loaded = List.copyOf(loaded);
    missing = List.copyOf(missing);
    unexpected = List.copyOf(unexpected);
    mismatched = List.copyOf(mismatched);
  }

  public boolean isComplete() {
    return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
  }

  /** The problems outside module {@code module} (e.g. the head {@code fc} that was replaced). */
  public LoadReport outside(String module) {
    return new LoadReport(loaded, outside(missing, module), outside(unexpected, module), outside(mismatched, module));
  }

  /** Every key with a problem, without the shapes. */
  public List<String> problemKeys() {
    return java.util.stream.Stream.of(missing, unexpected, mismatched).flatMap(List::stream).map(LoadReport::key)
        .toList();
  }

  private static List<String> outside(List<String> entries, String module) {
    return entries.stream().filter(e -> !key(e).equals(module) && !key(e).startsWith(module + ".")).toList();
  }

  /** A mismatch entry is "name shape in weights vs shape in model". */
  private static String key(String entry) {
    int space = entry.indexOf(' ');
    return space < 0 ? entry : entry.substring(0, space);
  }

  /** One line listing every problem, at most {@code limit} keys per kind. */
  public String problems(int limit) {
    StringBuilder sb = new StringBuilder();
    append(sb, "missing keys", missing, limit);
    append(sb, "unexpected keys", unexpected, limit);
    append(sb, "shape mismatches", mismatched, limit);
    return sb.toString();
  }

  private static void append(StringBuilder sb, String label, List<String> keys, int limit) {
    if (keys.isEmpty()) {
      return;
    }
    if (sb.length() > 0) {
      sb.append("; ");
    }
    sb.append(label).append(" (").append(keys.size()).append("): ");
    sb.append(String.join(", ", keys.subList(0, Math.min(limit, keys.size()))));
    if (keys.size() > limit) {
      sb.append(", ... ").append(keys.size() - limit).append(" more");
    }
  }
}
