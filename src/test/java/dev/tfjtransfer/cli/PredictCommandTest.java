package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** predict: one JSON object per readable image, in sorted file order; other files reported on stderr. */
class PredictCommandTest {
  @TempDir
  Path dir;

  @Test
  void printsJsonPerImageAndSkipsUnreadableFiles() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 1, 1, 3);
    Path images = Files.createDirectories(dir.resolve("images"));
    for (String cls : DemoDataset.CLASSES) {
      Files.copy(dir.resolve("data/val/" + cls + "/" + cls + "_000.jpg"), images.resolve(cls + ".jpg"));
    }
    Files.writeString(images.resolve("notes.txt"), "not an image");
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3))) {
      model.initialize(1);
      Safetensors.write(model.stateDict(), dir.resolve("w.safetensors"));
    }
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = Main.commandLine().execute("predict", "--arch", "resnet18", "--num-classes", "3", "--weights",
          dir.resolve("w.safetensors").toString(), "--images", images.toString(), "--top", "2", "--output-logits");
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
    assertEquals(0, code, err.toString());
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      lines.add(new ObjectMapper().readTree(line));
    }
    assertEquals(List.of("checkers.jpg", "discs.jpg", "stripes.jpg"),
        lines.stream().map(l -> l.get("file").asText()).toList());
    for (JsonNode line : lines) {
      assertEquals(2, line.get("top").size());
      double p0 = line.get("top").get(0).get("prob").asDouble();
      double p1 = line.get("top").get(1).get("prob").asDouble();
      assertTrue(p0 >= p1 && p0 <= 1 && p1 >= 0);
      assertEquals(3, line.get("logits").size());
    }
    assertTrue(err.toString().contains("notes.txt") && err.toString().contains("1 of 4 files"), err.toString());

    // the same predictions as CSV (one row per image and rank) and as an aligned table
    String csv = predict(images, "--top", "2", "--format", "csv");
    List<String> rows = List.of(csv.split("\n"));
    assertEquals("file,rank,index,class,prob", rows.get(0));
    assertEquals(1 + 3 * 2, rows.size(), csv);
    String table = predict(images, "--top", "2", "--format", "table");
    List<String> tableRows = List.of(table.split("\n"));
    assertTrue(tableRows.get(0).startsWith("file") && tableRows.get(0).contains("prob"), table);
    for (int i = 0; i < lines.size(); i++) {
      JsonNode json = lines.get(i);
      for (int rank = 0; rank < 2; rank++) {
        String[] cells = rows.get(1 + 2 * i + rank).split(",");
        assertEquals(json.get("file").asText(), cells[0]);
        assertEquals(rank + 1, Integer.parseInt(cells[1]));
        assertEquals(json.get("top").get(rank).get("index").asInt(), Integer.parseInt(cells[2]));
        assertEquals(json.get("top").get(rank).get("prob").asDouble(), Double.parseDouble(cells[4]), 1e-6);
      }
      String[] columns = tableRows.get(1 + i).trim().split(" +");
      assertEquals(json.get("file").asText(), columns[0]);
      assertEquals(json.get("top").get(0).get("index").asText(), columns[1], "no class names: the index");
      assertEquals(json.get("top").get(0).get("prob").asDouble(), Double.parseDouble(columns[2]), 1e-4);
    }
    String firstProb = tableRows.get(1).trim().split(" +")[2];
    assertEquals(tableRows.get(0).indexOf("prob") + 4, tableRows.get(1).indexOf(firstProb) + firstProb.length(),
        "probabilities right-aligned under their header:\n" + table);
  }

  private String predict(Path images, String... options) {
    List<String> args = new ArrayList<>(List.of("predict", "--arch", "resnet18", "--num-classes", "3", "--weights",
        dir.resolve("w.safetensors").toString(), "--images", images.toString()));
    args.addAll(List.of(options));
    PrintStream savedOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      assertEquals(0, Main.commandLine().execute(args.toArray(String[]::new)));
    } finally {
      System.setOut(savedOut);
    }
    return out.toString();
  }

  @Test
  void ttaAveragesViewsAndRejectsUnknownModes() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 1, 1, 3);
    Path images = dir.resolve("data/val/discs");
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3))) {
      model.initialize(2);
      Safetensors.write(model.stateDict(), dir.resolve("w.safetensors"));
    }
    String[] common = {"predict", "--arch", "resnet18", "--num-classes", "3", "--weights",
        dir.resolve("w.safetensors").toString(), "--images", images.toString(), "--top", "3"};
    List<double[]> probabilities = new ArrayList<>();
    for (String tta : List.of("none", "flip", "ten_crop")) {
      String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(common), java.util.stream.Stream.of(
          "--tta", tta)).toArray(String[]::new);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream saved = System.out;
      System.setOut(new PrintStream(out, true));
      try {
        assertEquals(0, Main.commandLine().execute(args), tta);
      } finally {
        System.setOut(saved);
      }
      JsonNode top = new ObjectMapper().readTree(out.toString().split("\n")[0]).get("top");
      double[] p = new double[3];
      for (JsonNode entry : top) {
        p[entry.get("index").asInt()] = entry.get("prob").asDouble();
      }
      assertEquals(1.0, p[0] + p[1] + p[2], 1e-5, tta + ": averaged probabilities still sum to 1");
      probabilities.add(p);
    }
    assertTrue(!java.util.Arrays.equals(probabilities.get(0), probabilities.get(2)), "ten_crop sees other pixels");
    PrintStream savedErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      String[] bad = java.util.Arrays.copyOf(common, common.length + 2);
      bad[common.length] = "--tta";
      bad[common.length + 1] = "six_crop";
      assertTrue(Main.commandLine().execute(bad) != 0);
    } finally {
      System.setErr(savedErr);
    }
    assertTrue(err.toString().contains("--tta six_crop: test-time augmentation must be one of none, flip, five_crop,"
        + " ten_crop"), err.toString());
  }
}
