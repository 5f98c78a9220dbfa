package dev.tfjtransfer.cli;

import dev.tfjtransfer.export.SavedModelExporter;
import dev.tfjtransfer.run.RunArtifacts;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code export}: a SavedModel version for TensorFlow Serving and DJL. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export a trained model as the next SavedModel version under --out (TF Serving layout).")
final class ExportCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1")
  WeightsSource source;

  @Option(names = "--out", required = true, description = "model directory, e.g. savedmodels/NAME")
  Path out;

  @Override
  public Integer call() throws Exception {
    SavedModelExporter.Spec spec;
    if (source.run != null) {
      RunArtifacts run = RunArtifacts.load(source.run);
      spec = new SavedModelExporter.Spec(run.architecture(), run.head(), run.weights(), run.classNames(),
          run.evalPipeline());
    } else {
      WeightsSource.Explicit e = source.explicit;
      if (e.classes == null) {
        throw new IllegalArgumentException("--classes is required with --weights (or use --run)");
      }
      StateDict weights = StateDict.read(e.weights);
      spec = new SavedModelExporter.Spec(e.model.architecture, e.model.headSpec(), weights, classNames(e.classes),
          WeightsSource.Explicit.evalPipeline(weights));
    }
    Path version = SavedModelExporter.export(spec, out);
    System.out.println("exported " + version + " (signature serving_default: images float32 [-1,"
        + spec.imageSize() + "," + spec.imageSize() + ",3] 0..255; serving_bytes: image_bytes string [-1]"
        + " -> probabilities, logits, class_ids, class_names)");
    return 0;
  }

  private static List<String> classNames(String classes) throws java.io.IOException {
    Path file = Path.of(classes);
    if (Files.isRegularFile(file)) {
      return Files.readAllLines(file).stream().filter(s -> !s.isBlank()).toList();
    }
    return Arrays.stream(classes.split(",")).map(String::trim).toList();
  }
}
