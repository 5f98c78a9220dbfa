package dev.tfjtransfer.export;

import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import dev.tfjtransfer.util.AtomicFiles;
import dev.tfjtransfer.util.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Writes a classifier as a SavedModel in TensorFlow Serving's layout,
 * {@code <root>/<name>/<version>/saved_model.pb + variables/}: tag {@code serve}, signature
 * {@code serving_default} (method {@code tensorflow/serving/predict}) taking {@code images}
 * float32 [-1, 224, 224, 3] RGB in 0..255 (normalization happens inside) and returning
 * {@code probabilities}, {@code logits}, {@code class_ids} and {@code class_names}; {@code serving_bytes}
 * takes encoded images and {@code features} returns the head's input ({@link ModelZoo#headInput}:
 * the pooled backbone output) for them, from the same graph. The graph is inference only: BatchNorm uses running statistics, no dropout, no gradient or optimizer op.
 * Each export is a new version, written to a temporary directory and renamed; an existing version
 * is never overwritten, and exports running at once become consecutive versions.
 */
public final class SavedModelExporter {
  public static final String SIGNATURE = Signature.DEFAULT_KEY;
  /** The signature taking encoded images. */
  public static final String BYTES_SIGNATURE = "serving_bytes";
  /** The signature returning the head's input for encoded images (frozen-backbone features). */
  public static final String FEATURES_SIGNATURE = "features";
  /** What the {@value #FEATURES_SIGNATURE} signature returns: float32 [-1, width]. */
  public static final String FEATURES_OUTPUT = "features";
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  /** The class names, one per line in class-id order, inside each version directory. */
  public static final String CLASS_NAMES = "assets.extra/class_names.txt";

  /** Name scopes of the ops {@link dev.tfjtransfer.nn.Model} uses to load and read weights. */
  private static final Pattern WEIGHT_IO_OPS = Pattern.compile("(load_state_dict|state_dict)(_\\d+)?/");

  /** An export's temporary directory: {@code .tmp-<sequence>-<pid>}. */
  private static final Pattern TEMPORARY = Pattern.compile("\\.tmp-\\d+-(\\d+)");
  private static final AtomicInteger TEMPORARIES = new AtomicInteger();
  private static final int MAX_PUBLISH_ATTEMPTS = 1000;

  private SavedModelExporter() {}

  /** What to export. */
  public record Spec(String architecture, HeadSpec head, StateDict weights, List<String> classNames,
      EvalPreset eval) {
    public Spec {
      classNames = List.copyOf(classNames);
      if (classNames.size() != head.numClasses()) {
        throw new IllegalArgumentException(classNames.size() + " class names for a " + head.numClasses()
            + "-class head");
      }
    }

    /** The model's input side: the preset's crop. */
    public int imageSize() {
      return eval.cropSize();
    }
  }

  /** Where an export went: the new version directory and the rewritten {@code models.config}. */
  public record Exported(Path version, Path servingConfig) {}

  /**
   * Exports {@code spec} as the next version under {@code modelDir} ({@code savedmodels/NAME}) and
   * rewrites {@code models.config} in its parent. Exports running at once into one model directory
   * (threads or processes) each get their own version; a failed export leaves nothing behind.
   */
  public static Exported export(Spec spec, Path modelDir) throws IOException {
    try (Model model = ModelZoo.create(spec.architecture(), spec.head(), spec.imageSize(), spec.imageSize(),
        SessionOptions.defaults())) {
      // weights that do not fit fail here, before anything is written
      model.loadStateDict(spec.weights(), LoadMode.STRICT);
      boolean createdModelDir = !Files.isDirectory(modelDir);
      Directories.create(modelDir);
      removeAbandonedTemporaries(modelDir);
      Path tmp = modelDir.resolve(".tmp-" + TEMPORARIES.incrementAndGet() + "-" + ProcessHandle.current().pid());
      try {
        List<Signature> bytesSignatures = buildBytesGraph(model, spec);
        SavedModelBundle.exporter(tmp.toString()).withSession(model.session())
            .withSignatures(buildServingGraph(model, spec), bytesSignatures.get(0), bytesSignatures.get(1)).export();
        finishProto(tmp.resolve("saved_model.pb"));
        // assets.extra is where TF Serving tolerates extra files; JVM consumers read the labels here
        AtomicFiles.writeLines(tmp.resolve(CLASS_NAMES), spec.classNames());
        Path version = publish(tmp, modelDir);
        try {
          return new Exported(version, ServingConfig.write(modelDir.toAbsolutePath().getParent()));
        } catch (IOException e) {
          // the version is complete and stays: say so, or the user would export it again
          throw new IOException("exported " + version + ", but " + e.getMessage(), e);
        }
      } catch (IOException | RuntimeException | Error e) {
        // the partial SavedModel goes, and the model directory if this export made it and it is still empty
        try {
          Directories.deleteRecursively(tmp);
          if (createdModelDir) {
            Directories.deleteIfEmpty(modelDir);
          }
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
    }
  }

  /**
   * Renames the finished temporary directory to the next free version. Another export may take
   * that version between listing and renaming: Linux's rename then fails with "Directory not
   * empty" (ENOTEMPTY, a plain FileSystemException in Java) or "File exists", and this export takes
   * the next one. A complete version directory is never replaced.
   */
  private static Path publish(Path tmp, Path modelDir) throws IOException {
    for (int attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++) {
      Path target = modelDir.resolve(String.valueOf(nextVersion(modelDir)));
      try {
        return Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileSystemException e) {
        if (!Files.exists(target)) {
          throw e;
        }
      }
    }
    throw new IOException(modelDir + ": other exports kept taking the next version (" + MAX_PUBLISH_ATTEMPTS
        + " attempts)");
  }

  /**
   * Deletes {@code .tmp-N-PID} directories whose process no longer runs (an export killed before
   * its rename). A temporary of a running process, this one's included, is another export's work
   * in progress.
   */
  private static void removeAbandonedTemporaries(Path modelDir) throws IOException {
    List<Path> abandoned;
    try (Stream<Path> children = Files.list(modelDir)) {
      abandoned = children.filter(p -> {
        Matcher m = TEMPORARY.matcher(p.getFileName().toString());
        return m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).filter(ProcessHandle::isAlive).isEmpty();
      }).toList();
    }
    for (Path dir : abandoned) {
      try {
        Directories.deleteRecursively(dir);
      } catch (IOException | UncheckedIOException e) {
        // another export is removing it at the same moment
      }
    }
  }

  /** The serving signature on a new {@code images} input with ImageNet-style normalization inside. */
  static Signature buildServingGraph(Model model, Spec spec) {
    Ops tf = model.tf().withSubScope("serving");
    int size = spec.imageSize();
    Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, size, size, 3)));
    return classify(tf, model, spec, images, Signature.builder().key(SIGNATURE).input("images", images)).classes();
  }

  /**
   * {@value #BYTES_SIGNATURE} and {@value #FEATURES_SIGNATURE}: encoded JPEG/PNG images (string [-1],
   * TF Serving's REST API takes them as {"b64": ...}), decoded, resized (shorter side, the preset's
   * size and filter) and centre-cropped in the graph; the second signature reads the head's input
   * from the same ops, so features and classes come from one backbone pass.
   */
  static List<Signature> buildBytesGraph(Model model, Spec spec) {
    Ops tf = model.tf().withSubScope("serving_bytes");
    int crop = spec.imageSize();
    Placeholder<TString> bytes = tf.withName("image_bytes").placeholder(TString.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    Operand<TFloat32> images = EncodedImages.preprocess(tf, bytes, spec.eval().resizeSize(), crop,
        spec.eval().interpolation());
    Outputs outputs = classify(tf, model, spec, images,
        Signature.builder().key(BYTES_SIGNATURE).input("image_bytes", bytes));
    Signature features = Signature.builder().key(FEATURES_SIGNATURE).methodName(PREDICT_METHOD)
        .input("image_bytes", bytes)
        .output(FEATURES_OUTPUT, tf.withName(FEATURES_OUTPUT).identity(outputs.features()))
        .build();
    return List.of(outputs.classes(), features);
  }

  /** A classification signature and the head's input it was computed from. */
  private record Outputs(Signature classes, Operand<TFloat32> features) {}

  private static Outputs classify(Ops tf, Model model, Spec spec, Operand<TFloat32> images,
      Signature.Builder signature) {
    float[] mean = spec.eval().normalization().mean();
    float[] std = spec.eval().normalization().std();
    float[] scale = new float[3];
    float[] shift = new float[3];
    for (int c = 0; c < 3; c++) {
      // (x / 255 - mean) / std as one multiply-add
      scale[c] = 1f / (255f * std[c]);
      shift[c] = -mean[c] / std[c];
    }
    Operand<TFloat32> normalized = tf.math.add(tf.math.mul(images, tf.constant(scale)), tf.constant(shift));
    Model.Forward forward = model.inferenceCall(normalized);
    Operand<TFloat32> logits = forward.output();
    Operand<TFloat32> probabilities = tf.nn.softmax(logits);
    Operand<TInt64> classIds = tf.math.argMax(logits, tf.constant(1), TInt64.class);
    Operand<TString> names = tf.gather(tf.constant(java.nio.charset.StandardCharsets.UTF_8, spec.classNames().toArray(new String[0])), classIds,
        tf.constant(0));
    Signature classes = signature.methodName(PREDICT_METHOD)
        .output("probabilities", tf.withName("probabilities").identity(probabilities))
        .output("logits", tf.withName("logits").identity(logits))
        .output("class_ids", tf.withName("class_ids").identity(classIds))
        .output("class_names", tf.withName("class_names").identity(names))
        .build();
    return new Outputs(classes, ModelZoo.headInput(spec.architecture()).of(forward));
  }

  /**
   * Drops the placeholders and assign ops that loaded the weights into the variables (and the
   * state_dict read ops): the variables file already holds the values, and a serving graph should
   * contain nothing that can write a weight. Records the TensorFlow version that wrote the model,
   * as Python's exporter does (TF Java leaves it empty; its native library exposes no git
   * version, so that field says "unknown" as TensorFlow's own builds without git do).
   */
  static void finishProto(Path savedModelPb) throws IOException {
    SavedModel saved;
    try (InputStream in = Files.newInputStream(savedModelPb)) {
      saved = SavedModel.parseFrom(in);
    }
    SavedModel.Builder builder = saved.toBuilder();
    for (MetaGraphDef.Builder meta : builder.getMetaGraphsBuilderList()) {
      GraphDef graph = meta.getGraphDef();
      List<NodeDef> kept = graph.getNodeList().stream()
          .filter(n -> !WEIGHT_IO_OPS.matcher(n.getName()).lookingAt())
          .toList();
      meta.setGraphDef(graph.toBuilder().clearNode().addAllNode(kept));
      meta.getMetaInfoDefBuilder().setTensorflowVersion(TensorFlow.version()).setTensorflowGitVersion("unknown");
    }
    AtomicFiles.write(savedModelPb, builder.build()::writeTo);
  }

  /** One more than the largest numeric version directory, or 1. */
  static int nextVersion(Path modelDir) throws IOException {
    try (Stream<Path> children = Files.list(modelDir)) {
      OptionalInt max = children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> ServingConfig.VERSION.matcher(n).matches()).mapToInt(Integer::parseInt).max();
      return max.orElse(0) + 1;
    }
  }

}
