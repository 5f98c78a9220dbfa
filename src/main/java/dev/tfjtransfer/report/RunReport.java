package dev.tfjtransfer.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.eval.ClassificationMetrics;
import dev.tfjtransfer.eval.Evaluation;
import dev.tfjtransfer.eval.EvaluationWriter;
import dev.tfjtransfer.eval.Evaluator;
import dev.tfjtransfer.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page about a run: its config, loss and accuracy curves,
 * the evaluation (top-1 / top-5, per-class table, confusion matrix, most confidently wrong
 * images), the training and validation prediction grids, and timings. Images are embedded as
 * data URIs and the page has no scripts and loads nothing from a network, so it can be mailed
 * or archived as one file.
 */
public final class RunReport {
  public static final String FILE = "report.html";

  private RunReport() {}

  /**
   * @param runDir the run directory (config.yaml, metrics.csv, plots, grids)
   * @param evaluationDir where {@link EvaluationWriter} wrote the evaluation's files
   * @param result the evaluation shown, with its test-time augmented twin beside it unless NONE
   * @param source what was evaluated, for the headline (e.g. "validation set demo-data")
   * @param html the file to write
   */
  public static void write(Path runDir, Path evaluationDir, Evaluator.WithTta result, String source, Path html)
      throws IOException {
    Evaluation evaluation = result.plain();
    StringBuilder page = new StringBuilder();
    String name = runDir.toAbsolutePath().normalize().getFileName().toString();
    page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(escape(name)).append(" report</title>\n<style>").append(STYLE).append("</style></head><body>\n");
    page.append("<h1>").append(escape(name)).append("</h1>\n");
    ClassificationMetrics metrics = evaluation.metrics();
    page.append(String.format(Locale.ROOT, "<p class=\"headline\">%s: %d images, top-1 accuracy <b>%.4f</b>, top-5"
            + " accuracy <b>%.4f</b>, macro F1 %.4f</p>%n", escape(source), metrics.count(), metrics.top1Accuracy(),
        metrics.top5Accuracy(), metrics.macroAverage()[2]));
    ClassificationMetrics augmented = result.augmented().metrics();
    if (result.tta() != TestTimeAugmentation.NONE) {
      page.append(String.format(Locale.ROOT, "<p class=\"headline\">with test-time augmentation (%s, %d views,"
              + " probabilities averaged): top-1 accuracy <b>%.4f</b>, top-5 accuracy <b>%.4f</b>, macro F1 %.4f;"
              + " log loss %.4f (plain %.4f)</p>%n", escape(result.tta().name().toLowerCase(Locale.ROOT)),
          result.tta().views(), augmented.top1Accuracy(), augmented.top5Accuracy(), augmented.macroAverage()[2],
          result.augmented().logLoss(), evaluation.logLoss()));
    }
    configSection(page, runDir.resolve("config.yaml"));
    page.append("<h2>Curves</h2>\n<div class=\"row\">");
    image(page, runDir.resolve("loss.png"), "loss per epoch");
    image(page, runDir.resolve("accuracy.png"), "accuracy per epoch");
    page.append("</div>\n<h2>Per class</h2>\n");
    classTable(page, metrics);
    if (result.tta() != TestTimeAugmentation.NONE) {
      page.append("<h3>With test-time augmentation (").append(escape(result.tta().name().toLowerCase(Locale.ROOT)))
          .append(")</h3>\n");
      classTable(page, augmented);
    }
    page.append("<h2>Confusion matrix</h2>\n");
    image(page, evaluationDir.resolve(EvaluationWriter.CONFUSION_PNG), "confusion matrix");
    page.append("<h2>Predictions</h2>\n<h3>Most confidently wrong</h3>\n");
    if (!image(page, evaluationDir.resolve(EvaluationWriter.ERRORS_PNG), "most confidently wrong images")) {
      page.append("<p>No image was classified wrongly.</p>\n");
    }
    page.append("<h3>Validation images, predicted vs true</h3>\n");
    image(page, runDir.resolve("val_predictions.png"), "validation predictions");
    page.append("<h3>A training batch (after augmentation)</h3>\n");
    image(page, runDir.resolve("train_batch.png"), "training batch");
    timings(page, runDir.resolve("metrics.csv"), evaluation);
    page.append("</body></html>\n");
    AtomicFiles.writeString(html, page.toString());
  }

  private static void configSection(StringBuilder page, Path configFile) throws IOException {
    if (!Files.isRegularFile(configFile)) {
      return;
    }
    String yaml = Files.readString(configFile);
    JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("architecture", config.path("model").path("arch").asText() + ", head "
        + config.path("model").path("head").path("type").asText());
    facts.put("weights", config.path("model").path("weights").asText("none (random init)"));
    facts.put("data", config.path("data").path("root").asText() + " (" + config.path("data").path("format").asText()
        + "), batch " + config.path("data").path("batch_size").asText());
    facts.put("freeze", config.path("freeze").toString());
    facts.put("batchnorm", config.path("batchnorm").asText());
    int s = 1;
    for (JsonNode stage : config.path("stages")) {
      List<String> lrs = new ArrayList<>();
      stage.path("groups").forEach(g -> lrs.add(g.path("name").asText() + " " + g.path("lr").asText()));
      facts.put("stage " + s++, String.format("'%s': %s epochs, %s, lr %s, schedule %s", stage.path("name").asText(),
          stage.path("epochs").asText(), stage.path("optimizer").path("type").asText(), String.join(", ", lrs),
          stage.path("schedule").path("type").asText()));
    }
    facts.put("seed", config.path("seed").asText());
    page.append("<h2>Configuration</h2>\n<table>\n");
    facts.forEach((k, v) -> page.append("<tr><th>").append(escape(k)).append("</th><td>").append(escape(v))
        .append("</td></tr>\n"));
    page.append("</table>\n<details><summary>config.yaml</summary><pre>").append(escape(yaml))
        .append("</pre></details>\n");
  }

  private static void classTable(StringBuilder page, ClassificationMetrics m) {
    page.append("<table class=\"num\"><tr><th>class</th><th>precision</th><th>recall</th><th>f1-score</th>"
        + "<th>support</th></tr>\n");
    for (int c = 0; c < m.classes().size(); c++) {
      page.append(row(escape(m.classes().get(c)), m.precision(c), m.recall(c), m.f1(c), m.support(c)));
    }
    page.append(String.format(Locale.ROOT, "<tr class=\"total\"><th>accuracy</th><td></td><td></td><td>%.4f</td>"
        + "<td>%d</td></tr>%n", m.accuracy(), m.count()));
    double[] macro = m.macroAverage();
    double[] weighted = m.weightedAverage();
    page.append(row("macro avg", macro[0], macro[1], macro[2], m.count()));
    page.append(row("weighted avg", weighted[0], weighted[1], weighted[2], m.count()));
    page.append("</table>\n");
  }

  private static String row(String name, double p, double r, double f1, long support) {
    return String.format(Locale.ROOT, "<tr><th>%s</th><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>%n",
        name, p, r, f1, support);
  }

  /** Per-epoch phase times from metrics.csv (epoch,stage,phase,loss,acc,seconds,images,...), and the evaluation. */
  private static void timings(StringBuilder page, Path metricsCsv, Evaluation evaluation) throws IOException {
    page.append("<h2>Timings</h2>\n<table class=\"num\"><tr><th>epoch</th><th>stage</th><th>phase</th>"
        + "<th>seconds</th><th>images</th><th>img/s</th></tr>\n");
    double total = 0;
    if (Files.isRegularFile(metricsCsv)) {
      for (String line : Files.readAllLines(metricsCsv).stream().skip(1).toList()) {
        String[] c = line.split(",");
        double seconds = Double.parseDouble(c[5]);
        int images = Integer.parseInt(c[6]);
        total += seconds;
        page.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%d</td>"
            + "<td>%.1f</td></tr>%n", c[0], c[1], c[2], seconds, images, images / Math.max(seconds, 1e-9)));
      }
    }
    page.append(String.format(Locale.ROOT, "<tr class=\"total\"><th colspan=\"3\">training and validation</th>"
        + "<td>%.1f</td><td></td><td></td></tr>%n", total));
    page.append(String.format(Locale.ROOT, "<tr class=\"total\"><th colspan=\"3\">this evaluation</th><td>%.1f</td>"
            + "<td>%d</td><td>%.1f</td></tr>%n</table>%n", evaluation.seconds(), evaluation.size(),
        evaluation.size() / Math.max(evaluation.seconds(), 1e-9)));
  }

  /** Embeds a PNG as a data URI; false (and nothing written) if the file does not exist. */
  private static boolean image(StringBuilder page, Path png, String alt) throws IOException {
    if (!Files.isRegularFile(png)) {
      return false;
    }
    page.append("<figure><img alt=\"").append(escape(alt)).append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(Files.readAllBytes(png))).append("\"><figcaption>")
        .append(escape(png.getFileName().toString())).append("</figcaption></figure>\n");
    return true;
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static final String STYLE = """
      body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
      h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
      .headline{font-size:1.15em}table{border-collapse:collapse;margin:.5em 0}
      th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}table.num td{text-align:right}
      tr.total{background:#f4f4f4}figure{display:inline-block;margin:.5em 1em .5em 0}
      img{max-width:100%;border:1px solid #eee}figcaption{color:#666;font-size:.85em}
      pre{background:#f7f7f7;padding:.8em;overflow:auto;font-size:.85em}.row{display:flex;flex-wrap:wrap}
      """;
}
