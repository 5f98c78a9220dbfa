package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.data.DemoDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench and bench-data with tiny step counts: they run and print the peer's JSON fields. */
class BenchSmokeTest {
  @TempDir
  Path dir;

  private static List<JsonNode> run(String... args) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true));
    int code;
    try {
      code = Main.commandLine().execute(args);
    } finally {
      System.setOut(saved);
    }
    assertEquals(0, code, captured.toString());
    List<JsonNode> lines = new ArrayList<>();
    for (String line : captured.toString().split("\n")) {
      lines.add(new ObjectMapper().readTree(line));
    }
    return lines;
  }

  @Test
  void benchPrintsOneJsonLinePerConfiguration() throws Exception {
    List<JsonNode> lines = run("bench", "--models", "resnet18", "--modes", "eval,frozen,full", "--size", "64",
        "--batch", "2", "--eval-batch", "2", "--warmup", "0", "--steps", "2");
    assertEquals(3, lines.size());
    for (JsonNode line : lines) {
      for (String field : List.of("model", "mode", "batch", "size", "threads", "warmup", "steps", "median_s_per_step",
          "images_per_s", "min_s_per_step", "max_s_per_step", "peak_rss_mb", "precision")) {
        assertTrue(line.has(field), field + " in " + line);
      }
      assertTrue(line.get("images_per_s").asDouble() > 0);
    }
  }

  @Test
  void benchDataMeasuresBothPipelines() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 4, 1, 2);
    List<JsonNode> lines = run("bench-data", "--data", dir.resolve("data").toString(), "--workers", "0,2",
        "--epochs", "1");
    assertEquals(4, lines.size());
    assertEquals("train", lines.get(0).get("pipeline").asText());
    assertEquals(12, lines.get(0).get("images_per_epoch").asInt());
    assertTrue(lines.stream().allMatch(l -> l.get("images_per_s").asDouble() > 0));
  }
}
