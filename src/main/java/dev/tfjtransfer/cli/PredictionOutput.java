package dev.tfjtransfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tfjtransfer.infer.Prediction;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * How {@code predict} prints its results: an aligned table for people, JSON lines or CSV for
 * scripts. Without {@code --format}, a table on a terminal and JSON lines otherwise, so pipes and
 * files keep getting what scripts parse.
 */
abstract class PredictionOutput {
  /** The {@code --format} values. */
  enum Format { table, jsonl, csv }

  private static final ObjectMapper JSON = new ObjectMapper();

  final PrintStream out;
  final List<String> classNames;
  final int top;

  private PredictionOutput(PrintStream out, List<String> classNames, int top) {
    this.out = out;
    this.classNames = classNames;
    this.top = top;
  }

  /**
   * @param format the requested format, or null for the default (table on a terminal, else jsonl)
   * @param longestFileName width of the table's file column
   */
  static PredictionOutput of(Format format, boolean terminal, PrintStream out, List<String> classNames, int top,
      boolean logits, int longestFileName) {
    Format chosen = format != null ? format : terminal ? Format.table : Format.jsonl;
    if (logits && chosen != Format.jsonl) {
      throw new IllegalArgumentException("--output-logits needs --format jsonl (received: " + chosen + ")");
    }
    return switch (chosen) {
      case jsonl -> new JsonLines(out, classNames, top, logits);
      case csv -> new Csv(out, classNames, top);
      case table -> new Table(out, classNames, top, Math.max(4, longestFileName));
    };
  }

  /** Prints a header, if the format has one. */
  abstract void begin();

  abstract void print(String file, Prediction prediction) throws JsonProcessingException;

  String className(int index) {
    return classNames.isEmpty() ? Integer.toString(index) : classNames.get(index);
  }

  /** One JSON object per image: {"file", "top": [{"index", "prob", "class"}], "logits"?}. */
  private static final class JsonLines extends PredictionOutput {
    private final boolean logits;

    JsonLines(PrintStream out, List<String> classNames, int top, boolean logits) {
      super(out, classNames, top);
      this.logits = logits;
    }

    @Override
    void begin() {}

    @Override
    void print(String file, Prediction prediction) throws JsonProcessingException {
      ObjectNode node = JSON.createObjectNode();
      node.put("file", file);
      ArrayNode topNode = node.putArray("top");
      for (Prediction.Scored s : prediction.top(top)) {
        ObjectNode entry = topNode.addObject().put("index", s.index()).put("prob", s.probability());
        if (!classNames.isEmpty()) {
          entry.put("class", classNames.get(s.index()));
        }
      }
      if (logits) {
        ArrayNode values = node.putArray("logits");
        for (float v : prediction.logits()) {
          values.add(v);
        }
      }
      out.println(JSON.writeValueAsString(node));
    }
  }

  /** One row per image and rank: file,rank,index,class,prob. */
  private static final class Csv extends PredictionOutput {
    Csv(PrintStream out, List<String> classNames, int top) {
      super(out, classNames, top);
    }

    @Override
    void begin() {
      out.println("file,rank,index,class,prob");
    }

    @Override
    void print(String file, Prediction prediction) {
      int rank = 1;
      for (Prediction.Scored s : prediction.top(top)) {
        out.printf(Locale.ROOT, "%s,%d,%d,%s,%.6f%n", field(file), rank++, s.index(), field(className(s.index())),
            s.probability());
      }
    }

    private static String field(String s) {
      return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
  }

  /** An aligned table: the file, then "class  prob" for each of the top classes. */
  private static final class Table extends PredictionOutput {
    private final int fileWidth;
    private final int classWidth;

    Table(PrintStream out, List<String> classNames, int top, int fileWidth) {
      super(out, classNames, top);
      this.fileWidth = fileWidth;
      this.classWidth = Math.max(5, classNames.stream().mapToInt(String::length).max().orElse(4));
    }

    @Override
    void begin() {
      StringBuilder header = new StringBuilder(String.format("%-" + fileWidth + "s", "file"));
      for (int k = 1; k <= top; k++) {
        header.append(String.format("  %-" + classWidth + "s %6s", k == 1 ? "class" : "#" + k, "prob"));
      }
      out.println(header.toString().stripTrailing());
    }

    @Override
    void print(String file, Prediction prediction) {
      StringBuilder row = new StringBuilder(String.format("%-" + fileWidth + "s", file));
      for (Prediction.Scored s : prediction.top(top)) {
        row.append(String.format(Locale.ROOT, "  %-" + classWidth + "s %6.4f", className(s.index()), s.probability()));
      }
      out.println(row);
    }
  }
}
