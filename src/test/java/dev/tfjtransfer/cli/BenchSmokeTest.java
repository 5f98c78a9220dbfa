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
  void bf16TrainingBenchReportsItsBfloat16Kernels() throws Exception {
    List<JsonNode> lines = run("bench", "--models", "resnet18", "--modes", "frozen,full", "--size", "32",
        "--batch", "2", "--warmup", "0", "--steps", "1", "--precision", "bf16", "--inter-op-threads", "1",
        "--kernels");
    assertEquals(2, lines.size());
    JsonNode frozen = lines.get(0).get("kernels");
    JsonNode full = lines.get(1).get("kernels");
    assertEquals("bf16", lines.get(1).get("precision").asText());
    assertEquals(1, lines.get(1).get("inter_op_threads").asInt());
    // frozen: the backbone's convolutions (BatchNorm folded in) run forward only, in bf16
    assertTrue(frozen.path("FusedConv2D bfloat16").asInt() + frozen.path("PadWithFusedConv2D bfloat16").asInt() >= 20,
        frozen.toString());
    assertTrue(!frozen.has("Conv2DBackpropFilter bfloat16") && !frozen.has("Conv2DBackpropFilter float"),
        frozen.toString());
    // layer4's four 3 x 3 convolutions (1 x 1 outputs at 32 px) take the patch-product filter gradient
    assertEquals(16, full.path("Conv2DBackpropFilter bfloat16").asInt(), full.toString());
    assertEquals(4, full.path("ExtractImagePatches float").asInt(), full.toString());
    assertEquals(62, full.path("ApplyMomentum float").asInt(), "every resnet18 weight updates in float32: " + full);
  }

  @Test
  void benchOnAnImageFolderCropsToTheRequestedSize() throws Exception {
    // was: the tutorial's 224 px pipeline at any --size, so a 64 px graph got 224 px batches and failed
    DemoDataset.generate(dir.resolve("folder"), 4, 1, 2);
    List<JsonNode> lines = run("bench", "--models", "resnet18", "--modes", "eval,full", "--size", "64", "--batch", "2",
        "--eval-batch", "2", "--warmup", "0", "--steps", "2", "--data", dir.resolve("folder").toString());
    assertEquals(2, lines.size());
    for (JsonNode line : lines) {
      assertEquals(64, line.get("size").asInt());
      assertTrue(line.get("images_per_s").asDouble() > 0, line.toString());
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
