package dev.tfjtransfer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.cli.Main;
import dev.tfjtransfer.config.ConfigLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.weights.DType;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training recipes from YAML on a small generated dataset at 32x32: a run with MixUp/CutMix,
 * label smoothing, gradient accumulation, EMA with warm-up, balanced class weights and sampler,
 * and ReduceLROnPlateau, interrupted and resumed, ends exactly where the uninterrupted run ends
 * (weights, optimizer state, average, plateau state); a fine_tune stage trains the head, then
 * every layer group at geometrically spread rates; lr-find writes its plot and suggestions.
 */
class RecipesRunTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void data() throws Exception {
    DemoDataset.generate(dir.resolve("data"), 8, 4, 8);
  }

  private static final String DATA = """
      model: {arch: resnet18}
      data:
        root: %s
        train_transforms: [{random_resized_crop: {size: 32}}, {horizontal_flip: {p: 0.5}}]
        val_transforms: [{resize: {size: 36}}, {center_crop: {size: 32}}]
        batch_size: 4
        workers: 2
      output_dir: %s
      seed: 3
      threads: 2
      """;

  private static String recipes(int epochs) {
    return DATA.formatted(dir.resolve("data"), dir.resolve("runs")) + """
        freeze: [all-but-head]
        stages:
          - name: recipes
            epochs: %d
            unfreeze: [layer4]
            groups: [{lr: 0.02}]
            label_smoothing: 0.1
            mixup: {mixup_alpha: 0.8, cutmix_alpha: 1.0, switch_prob: 0.5}
            accumulate_grad_batches: 2
            ema: {decay: 0.9, warmup: true}
            class_weights: balanced
            schedule: {type: plateau, monitor: val_loss, patience: 0, factor: 0.5}
        """.formatted(epochs);
  }

  private static String withSampler(String yaml) {
    return yaml.replace("  workers: 2\n", "  workers: 2\n  sampler: {class_weights: balanced}\n");
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true);
  }

  @Test
  void resumedRecipeRunEndsWhereTheUninterruptedRunEnds() throws Exception {
    var full = TrainingRun.start(ConfigLoader.parse(withSampler(recipes(2)), "full", List.of()), quiet(), false);
    var part = TrainingRun.start(ConfigLoader.parse(withSampler(recipes(1)), "part", List.of()), quiet(), false);
    Path config = part.runDir().resolve("config.yaml");
    String resolved = Files.readString(config);
    assertTrue(resolved.contains("epochs: 1"), resolved);
    Files.writeString(config, resolved.replace("epochs: 1", "epochs: 2"));
    TrainingRun.resume(part.runDir(), quiet(), false);

    StateDict a = Safetensors.read(full.runDir().resolve(Checkpoints.LAST));
    StateDict b = Safetensors.read(part.runDir().resolve(Checkpoints.LAST));
    assertEquals(a.names(), b.names());
    assertTrue(a.names().contains("ema/fc.weight") && a.names().contains("optimizer/fc.weight/momentum_buffer"));
    for (String name : a.names()) {
      if (a.get(name).dtype() == DType.I64) {
        assertArrayEquals(a.get(name).longs(), b.get(name).longs(), name);
      } else {
        assertArrayEquals(a.get(name).floats(), b.get(name).floats(), 1e-6f, name);
      }
    }
    assertEquals(a.metadata().get("plateau_state"), b.metadata().get("plateau_state"));
    assertEquals("6", a.metadata().get("ema_updates"), "2 epochs of 6 batches, 2 per step");
    // EMA used for validation: best.safetensors holds averaged weights, not the trained ones
    StateDict best = Safetensors.read(full.runDir().resolve(Checkpoints.BEST));
    assertTrue(dev.tfjtransfer.Arrays4d.maxAbsDiff(best.get("fc.weight").floats(),
        a.get("fc.weight").floats()) > 0);
  }

  @Test
  void fineTuneStageTrainsTheHeadThenAllGroupsAtGeometricRates() throws Exception {
    String yaml = DATA.formatted(dir.resolve("data"), dir.resolve("runs-ft")) + """
        stages:
          - name: ft
            type: fine_tune
            epochs: 1
            fine_tune: {freeze_epochs: 1, lr: 0.01, lr_mult: 100}
        """;
    var outcome = TrainingRun.start(ConfigLoader.parse(yaml, "ft", List.of()), quiet(), false);
    List<String> csv = Files.readAllLines(outcome.runDir().resolve("metrics.csv"));
    assertEquals("epoch,stage,phase,loss,acc,seconds,images,lr_head,lr_conv1+bn1+layer1,lr_layer2,lr_layer3,"
        + "lr_layer4,lr_fc", csv.get(0));
    String[] frozen = csv.get(2).split(",");
    assertEquals("train", frozen[2]);
    // one-cycle starts at max / 25 in the frozen phase
    assertEquals(0.01 / 25, Double.parseDouble(frozen[7]), 1e-9);
    String[] unfrozen = csv.get(4).split(",");
    assertEquals("2", unfrozen[0]);
    // base_lr halved, then from 0.005 / 100 (first group) to 0.005 (head), each start divided by div 5
    double[] expected = {0.005 / 100, 0.005 / 100 * Math.sqrt(10), 0.005 / 10, 0.005 / Math.sqrt(10), 0.005};
    for (int g = 0; g < 5; g++) {
      assertEquals(expected[g] / 5, Double.parseDouble(unfrozen[8 + g]), 1e-5 * expected[g], "group " + g);
    }
    StateDict last = Safetensors.read(outcome.runDir().resolve(Checkpoints.LAST));
    assertTrue(last.names().contains("optimizer/conv1.weight/momentum_buffer"), "the stem trained in phase 2");
  }

  @Test
  void lrFindCommandWritesThePlotAndSuggestions() throws Exception {
    Path config = dir.resolve("lrfind.yaml");
    Files.writeString(config, DATA.formatted(dir.resolve("data"), dir.resolve("runs-lr"))
        + "freeze: [all-but-head]\n");
    Path png = dir.resolve("lr_find.png");
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true));
      code = Main.commandLine().execute("lr-find", "--config", config.toString(), "--num-it", "12", "--start-lr",
          "1e-4", "--end-lr", "1", "--no-stop-div", "--out", png.toString());
    } finally {
      System.setOut(stdout);
    }
    assertEquals(0, code, captured.toString());
    assertTrue(captured.toString().contains("suggested lr: valley"), captured.toString());
    assertEquals(720, javax.imageio.ImageIO.read(png.toFile()).getWidth());
    assertTrue(!Files.exists(dir.resolve("runs-lr")), "lr-find creates no run directory");
  }
}
