package dev.tfjtransfer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.data.DataLoader;
import dev.tfjtransfer.data.DemoDataset;
import dev.tfjtransfer.data.ImageFolder;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.train.FreezeSpec;
import dev.tfjtransfer.train.History;
import dev.tfjtransfer.train.LrSchedule;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.train.TrainingSetup;
import dev.tfjtransfer.train.callbacks.ProgressReporter;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java snippet, on the demo data with ImageNet-shaped weights from a 1000-class model. */
class ReadmeExampleTest {
  @TempDir
  Path dir;

  @Test
  void readmeSnippetRuns() throws Exception {
    DemoDataset.generate(dir.resolve("hymenoptera_data"), 4, 2, 1);
    try (Model imagenet = ModelZoo.create("resnet18", HeadSpec.linear(1000))) {
      Safetensors.write(imagenet.stateDict(), dir.resolve("resnet18-f37072fd.safetensors"));
    }
    PrintStream out = new PrintStream(java.io.OutputStream.nullOutputStream());
    // --- the README snippet (paths under the temp dir, 1 epoch, 3 classes) ---
    Model model = ModelZoo.create("resnet18", HeadSpec.linear(3));
    model.loadStateDict(StateDict.read(dir.resolve("resnet18-f37072fd.safetensors")), LoadMode.SKIP_MISMATCHED);
    Trainer trainer = new Trainer(model, "fc", 0);
    trainer.freeze(FreezeSpec.allButHead());
    trainer.compile(TrainingSetup.sgd(0.001).withSchedule(new LrSchedule.StepLR(7, 0.1)), false);
    try (DataLoader train = DataLoader.builder(ImageFolder.open(dir.resolve("hymenoptera_data/train")),
            Pipeline.imagenetTrain()).optBatchSize(4).optShuffle(true).optWorkers(2).build();
        DataLoader val = DataLoader.builder(ImageFolder.open(dir.resolve("hymenoptera_data/val")),
            Pipeline.imagenetEval()).optBatchSize(4).optWorkers(2).build()) {
      History history = trainer.fit(train, val, 1, List.of(new ProgressReporter(out, true)), true);
      assertTrue(history.bestValAccuracy() >= 0);
    }
    Safetensors.write(model.stateDict(), dir.resolve("resnet18-ants-bees.safetensors"));
    model.close();
    assertTrue(Files.size(dir.resolve("resnet18-ants-bees.safetensors")) > 40_000_000);
  }
}
