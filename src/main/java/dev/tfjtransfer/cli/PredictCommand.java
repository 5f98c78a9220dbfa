package dev.tfjtransfer.cli;

import dev.tfjtransfer.data.BadImagePolicy;
import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.infer.Prediction;
import dev.tfjtransfer.infer.Predictor;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.run.RunArtifacts;
import dev.tfjtransfer.zoo.ModelZoo;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code predict}: the top classes of each image, as a table, JSON lines or CSV on stdout. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Classify the images of a directory in eval mode, with the run's validation transforms or the"
        + " architecture's eval transforms (resize, crop, interpolation, normalization: see `models`).")
final class PredictCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1")
  WeightsSource source;

  @Option(names = "--images", required = true, description = "directory of images, read in sorted order")
  Path images;

  @Option(names = "--top", defaultValue = "5", description = "classes per image (default: ${DEFAULT-VALUE})")
  int top;

  @Option(names = "--output-logits", description = "also print the raw logits")
  boolean outputLogits;

  @Option(names = "--format", description = "table, jsonl or csv (default: a table on a terminal, else jsonl)")
  PredictionOutput.Format format;

  @Option(names = "--batch", defaultValue = "16", description = "images per forward pass (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--tta", defaultValue = "none", description = "test-time augmentation: none, flip, five_crop or"
      + " ten_crop (torchvision's FiveCrop/TenCrop in place of the final center crop); probabilities are averaged"
      + " over the views (default: ${DEFAULT-VALUE})")
  String tta;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(images)) {
      throw new IllegalArgumentException("--images " + images + ": not a directory");
    }
    if (top < 1 || batch < 1) {
      throw new IllegalArgumentException("--top and --batch must be at least 1; received: --top " + top + " --batch "
          + batch);
    }
    TestTimeAugmentation views;
    try {
      views = TestTimeAugmentation.parse(tta);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--tta " + tta + ": " + e.getMessage());
    }
    List<String> classNames = List.of();
    Model built;
    Pipeline pipeline;
    // a run reads images as it was configured to; explicit weights as train does by default
    BadImagePolicy badImages = BadImagePolicy.SKIP;
    long maxPixels = ImageDecoder.DEFAULT_MAX_PIXELS;
    if (source.run != null) {
      RunArtifacts run = RunArtifacts.load(source.run);
      built = ModelZoo.create(run.architecture(), run.head(), run.evalPipeline().size(), run.evalPipeline().size(),
          SessionOptions.defaults());
      built.loadStateDict(run.weights(), LoadMode.STRICT);
      classNames = run.classNames();
      pipeline = run.evalPipeline();
      badImages = run.badImages();
      maxPixels = run.maxImagePixels();
    } else {
      StateDict weights = StateDict.read(source.explicit.weights);
      built = source.explicit.model.create();
      built.loadStateDict(weights, LoadMode.STRICT);
      pipeline = Pipeline.imagenetEval(source.explicit.evalPreset(weights));
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(images)) {
      // a dangling link is reported as unreadable below, not passed over in silence
      files = list.filter(p -> !Files.isDirectory(p)).sorted().toList();
    }
    PredictionOutput output = PredictionOutput.of(format, System.console() != null, System.out, classNames, top,
        outputLogits, files.stream().mapToInt(f -> f.getFileName().toString().length()).max().orElse(0));
    output.begin();
    try (Model model = built) {
      Predictor predictor = new Predictor(model, pipeline, batch, views);
      int skipped = 0;
      for (int start = 0; start < files.size(); start += batch) {
        List<Path> names = new ArrayList<>();
        List<RgbImage> decoded = new ArrayList<>();
        for (Path file : files.subList(start, Math.min(files.size(), start + batch))) {
          try {
            decoded.add(ImageDecoder.decode(file, maxPixels));
            names.add(file);
          } catch (IOException e) {
            if (badImages == BadImagePolicy.FAIL) {
              throw e;
            }
            System.err.println("skipped " + e.getMessage());
            skipped++;
          }
        }
        List<Prediction> predictions = predictor.predict(decoded);
        for (int i = 0; i < names.size(); i++) {
          output.print(names.get(i).getFileName().toString(), predictions.get(i));
        }
      }
      if (skipped > 0) {
        System.err.println(skipped + " of " + files.size() + " files were not readable images");
      }
      if (skipped == files.size()) {
        throw new IllegalArgumentException("--images " + images + ": no readable image among its " + files.size()
            + " files");
      }
    }
    return 0;
  }
}
