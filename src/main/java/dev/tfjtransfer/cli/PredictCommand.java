package dev.tfjtransfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tfjtransfer.data.ImageDecoder;
import dev.tfjtransfer.data.RgbImage;
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

/** {@code predict}: one JSON object per image on stdout. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Classify the images of a directory (Resize 256, CenterCrop 224, ImageNet normalization, eval mode).")
final class PredictCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ArgGroup(exclusive = true, multiplicity = "1")
  WeightsSource source;

  @Option(names = "--images", required = true, description = "directory of images, read in sorted order")
  Path images;

  @Option(names = "--top", defaultValue = "5", description = "classes per image (default: ${DEFAULT-VALUE})")
  int top;

  @Option(names = "--output-logits", description = "also print the raw logits")
  boolean outputLogits;

  @Option(names = "--batch", defaultValue = "16", description = "images per forward pass (default: ${DEFAULT-VALUE})")
  int batch;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(images)) {
      throw new IllegalArgumentException("--images " + images + ": not a directory");
    }
    List<String> classNames = List.of();
    Model built;
    Pipeline pipeline;
    if (source.run != null) {
      RunArtifacts run = RunArtifacts.load(source.run);
      built = ModelZoo.create(run.architecture(), run.head(), run.evalPipeline().size(), run.evalPipeline().size(),
          SessionOptions.defaults());
      built.loadStateDict(run.weights(), LoadMode.STRICT);
      classNames = run.classNames();
      pipeline = run.evalPipeline();
    } else {
      StateDict weights = StateDict.read(source.explicit.weights);
      built = source.explicit.model.create();
      built.loadStateDict(weights, LoadMode.STRICT);
      pipeline = WeightsSource.Explicit.evalPipeline(weights);
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(images)) {
      files = list.filter(Files::isRegularFile).sorted().toList();
    }
    try (Model model = built) {
      Predictor predictor = new Predictor(model, pipeline, batch);
      int skipped = 0;
      for (int start = 0; start < files.size(); start += batch) {
        List<Path> names = new ArrayList<>();
        List<RgbImage> decoded = new ArrayList<>();
        for (Path file : files.subList(start, Math.min(files.size(), start + batch))) {
          try {
            decoded.add(ImageDecoder.decode(file));
            names.add(file);
          } catch (IOException e) {
            System.err.println("skipped " + e.getMessage());
            skipped++;
          }
        }
        List<Prediction> predictions = predictor.predict(decoded);
        for (int i = 0; i < names.size(); i++) {
          System.out.println(JSON.writeValueAsString(toJson(names.get(i), predictions.get(i), classNames)));
        }
      }
      if (skipped > 0) {
        System.err.println(skipped + " of " + files.size() + " files were not readable images");
      }
    }
    return 0;
  }

  private ObjectNode toJson(Path file, Prediction prediction, List<String> classNames) {
    ObjectNode node = JSON.createObjectNode();
    node.put("file", file.getFileName().toString());
    ArrayNode topNode = node.putArray("top");
    for (Prediction.Scored s : prediction.top(top)) {
      ObjectNode entry = topNode.addObject().put("index", s.index()).put("prob", s.probability());
      if (!classNames.isEmpty()) {
        entry.put("class", classNames.get(s.index()));
      }
    }
    if (outputLogits) {
      ArrayNode logits = node.putArray("logits");
      for (float v : prediction.logits()) {
        logits.add(v);
      }
    }
    return node;
  }
}
