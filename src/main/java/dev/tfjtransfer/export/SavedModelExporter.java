package dev.tfjtransfer.export;

import dev.tfjtransfer.data.ImageTransform;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import dev.tfjtransfer.util.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
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
 * {@code probabilities}, {@code logits}, {@code class_ids} and {@code class_names}. The graph is
 * inference only: BatchNorm uses running statistics, no dropout, no gradient or optimizer op.
 * Each export is a new version, written to a temporary directory and renamed; an existing version
 * is never overwritten.
 */
public final class SavedModelExporter {
  public static final String SIGNATURE = Signature.DEFAULT_KEY;
  /** The signature taking encoded images. */
  public static final String BYTES_SIGNATURE = "serving_bytes";
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  /** The class names, one per line in class-id order, inside each version directory. */
  public static final String CLASS_NAMES = "assets.extra/class_names.txt";

  /** Name scopes of the ops {@link dev.tfjtransfer.nn.Model} uses to load and read weights. */
  private static final java.util.regex.Pattern WEIGHT_IO_OPS =
      java.util.regex.Pattern.compile("(load_state_dict|state_dict)(_\\d+)?/");

  private SavedModelExporter() {}

  /**
   * What to export.
   *
   * @param eval the eval transforms (a run's validation pipeline): its normalization goes into the
   *     graph, its size is the {@code images} input's, and {@code serving_bytes} does its resize
   *     and centre crop in the graph
   */
  public record Spec(String architecture, HeadSpec head, StateDict weights, List<String> classNames, Pipeline eval) {
    public Spec {
      classNames = List.copyOf(classNames);
      if (classNames.size() != head.numClasses()) {
        throw new IllegalArgumentException(classNames.size() + " class names for a " + head.numClasses()
            + "-class head");
      }
      servingResize(eval);
    }

    public int imageSize() {
      return eval.size();
    }
  }

  /**
   * The shorter-side size of an eval pipeline that is Resize then CenterCrop, the two steps
   * {@code serving_bytes} repeats in its graph.
   */
  static int servingResize(Pipeline eval) {
    List<ImageTransform> steps = eval.steps();
    if (steps.size() == 2 && steps.get(0) instanceof Transforms.ResizeShorter resize
        && steps.get(1) instanceof Transforms.CenterCrop) {
      return resize.size();
    }
    throw new IllegalArgumentException("the export repeats the eval transforms in its serving_bytes graph, which"
        + " supports resize + center_crop only; received: " + steps);
  }

  /**
   * Exports {@code spec} as the next version under {@code modelDir} ({@code savedmodels/NAME}) and
   * rewrites {@code models.config} in its parent.
   *
   * @return the new version directory
   */
  public static Path export(Spec spec, Path modelDir) throws IOException {
    Files.createDirectories(modelDir);
    int version = nextVersion(modelDir);
    Path target = modelDir.resolve(String.valueOf(version));
    Path tmp = modelDir.resolve(".tmp-" + version + "-" + ProcessHandle.current().pid());
    Directories.deleteRecursively(tmp);
    try (Model model = ModelZoo.create(spec.architecture(), spec.head(), spec.imageSize(), spec.imageSize(),
        SessionOptions.defaults())) {
      model.loadStateDict(spec.weights(), LoadMode.STRICT);
      SavedModelBundle.exporter(tmp.toString()).withSession(model.session())
          .withSignatures(buildServingGraph(model, spec), buildBytesGraph(model, spec)).export();
      pruneWeightLoadingOps(tmp.resolve("saved_model.pb"));
      // assets.extra is where TF Serving tolerates extra files; JVM consumers read the labels here
      Files.createDirectories(tmp.resolve("assets.extra"));
      Files.write(tmp.resolve(CLASS_NAMES), spec.classNames());
    } catch (IOException | RuntimeException e) {
      Directories.deleteRecursively(tmp);
      throw e;
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      Directories.deleteRecursively(tmp);
      throw new IOException(target + " appeared during the export; it was not overwritten", e);
    }
    ServingConfig.write(modelDir.toAbsolutePath().getParent());
    return target;
  }

  /** The serving signature on a new {@code images} input with ImageNet-style normalization inside. */
  static Signature buildServingGraph(Model model, Spec spec) {
    Ops tf = model.tf().withSubScope("serving");
    int size = spec.imageSize();
    Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, size, size, 3)));
    return classify(tf, model, spec, images, Signature.builder().key(SIGNATURE).input("images", images));
  }

  /**
   * {@value #BYTES_SIGNATURE}: encoded JPEG/PNG images (string [-1], TF Serving's REST API takes
   * them as {"b64": ...}), decoded, resized (shorter side) and centre-cropped in the graph as the
   * eval transforms do.
   */
  static Signature buildBytesGraph(Model model, Spec spec) {
    Ops tf = model.tf().withSubScope("serving_bytes");
    int crop = spec.imageSize();
    Placeholder<TString> bytes = tf.withName("image_bytes").placeholder(TString.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    Operand<TFloat32> images = EncodedImages.preprocess(tf, bytes, servingResize(spec.eval()), crop);
    return classify(tf, model, spec, images, Signature.builder().key(BYTES_SIGNATURE).input("image_bytes", bytes));
  }

  private static Signature classify(Ops tf, Model model, Spec spec, Operand<TFloat32> images,
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
    Operand<TFloat32> logits = model.inferenceCall(normalized).output();
    Operand<TFloat32> probabilities = tf.nn.softmax(logits);
    Operand<TInt64> classIds = tf.math.argMax(logits, tf.constant(1), TInt64.class);
    Operand<TString> names = tf.gather(tf.constant(java.nio.charset.StandardCharsets.UTF_8, spec.classNames().toArray(new String[0])), classIds,
        tf.constant(0));
    return signature.methodName(PREDICT_METHOD)
        .output("probabilities", tf.withName("probabilities").identity(probabilities))
        .output("logits", tf.withName("logits").identity(logits))
        .output("class_ids", tf.withName("class_ids").identity(classIds))
        .output("class_names", tf.withName("class_names").identity(names))
        .build();
  }

  /**
   * Drops the placeholders and assign ops that loaded the weights into the variables (and the
   * state_dict read ops): the variables file already holds the values, and a serving graph should
   * contain nothing that can write a weight.
   */
  static void pruneWeightLoadingOps(Path savedModelPb) throws IOException {
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
    }
    try (OutputStream out = Files.newOutputStream(savedModelPb)) {
      builder.build().writeTo(out);
    }
  }

  /** One more than the largest numeric version directory, or 1. */
  static int nextVersion(Path modelDir) throws IOException {
    try (Stream<Path> children = Files.list(modelDir)) {
      OptionalInt max = children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d{1,9}")).mapToInt(Integer::parseInt).max();
      return max.orElse(0) + 1;
    }
  }

}
