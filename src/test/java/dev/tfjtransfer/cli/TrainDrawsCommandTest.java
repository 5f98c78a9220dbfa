package dev.tfjtransfer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tfjtransfer.data.DemoDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code train-draws} as bench/compare_training.py calls it: one JSON document on stdout, errors one line. */
class TrainDrawsCommandTest {
  @TempDir
  Path dir;

  @Test
  void printsEveryEpochsSamplesWithTheirCropAndFlip() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 4, 1, 2);
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, """
        data:
          root: %s
          train_transforms: [{random_resized_crop: {size: 64}}, {horizontal_flip: {p: 0.5}}]
          val_transforms: [{resize: {size: 72}}, {center_crop: {size: 64}}]
          batch_size: 5
        """.formatted(dir.resolve("data")));
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true));
    int code;
    try {
      code = Main.commandLine().execute("train-draws", "--config", config.toString(), "--set", "seed=4", "--epochs",
          "2");
    } finally {
      System.setOut(saved);
    }
    assertEquals(0, code);
    JsonNode dump = new ObjectMapper().readTree(captured.toString());
    assertEquals(4, dump.get("data_seed").asLong());
    assertEquals(5, dump.get("batch_size").asInt());
    assertEquals(2, dump.get("epochs").size());
    for (JsonNode epoch : dump.get("epochs")) {
      JsonNode samples = epoch.get("samples");
      int[] indices = StreamSupport.stream(samples.spliterator(), false).mapToInt(s -> s.get("index").asInt())
          .sorted().toArray();
      assertArrayEquals(IntStream.range(0, 12).toArray(), indices, "every image once per epoch");
      JsonNode last = samples.get(11);
      assertEquals(2, last.get("batch").asInt(), "12 images in batches of 5");
      assertTrue(Files.isRegularFile(Path.of(last.get("source").asText())));
      JsonNode crop = last.get("draws").get(0);
      assertEquals("RandomResizedCrop", crop.get("op").asText());
      for (String key : new String[] {"top", "left", "height", "width"}) {
        assertTrue(crop.get("params").get(key).isInt(), crop.toString());
      }
      assertTrue(last.get("draws").get(1).get("params").isBoolean());
    }
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    assertEquals(1, cli.execute("train-draws", "--config", config.toString(), "--epochs", "0"));
    assertEquals("error: epochs must be positive; received: 0", err.toString().strip());
  }
}
