package dev.tfjtransfer.spark;

import dev.tfjtransfer.export.SavedModelExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * An exported SavedModel as the Spark jobs use it: its {@code serving_bytes} and {@code features}
 * signatures on batches of encoded images. One instance per model directory and JVM (a static
 * cache): loading costs about 2 s and the weights' memory, and TensorFlow sessions are safe to call
 * from the concurrent tasks of an executor. The bundle lives until the executor JVM exits.
 */
public final class ServingModel {
  private static final Map<String, ServingModel> LOADED = new ConcurrentHashMap<>();

  private final SavedModelBundle bundle;
  private final List<String> classNames;

  private ServingModel(SavedModelBundle bundle, List<String> classNames) {
    this.bundle = bundle;
    this.classNames = List.copyOf(classNames);
  }

  /**
   * The model in {@code versionDir} (e.g. {@code savedmodels/demo/1}), loaded on first use in this
   * JVM.
   *
   * @param threads TensorFlow's intra-op threads, shared by the executor's concurrent tasks (0: all
   *     cores TensorFlow sees)
   */
  public static ServingModel get(Path versionDir, int threads) {
    return LOADED.computeIfAbsent(versionDir.toAbsolutePath() + "#" + threads, key -> load(versionDir, threads));
  }

  private static ServingModel load(Path versionDir, int threads) {
    Path names = versionDir.resolve(SavedModelExporter.CLASS_NAMES);
    if (!Files.isRegularFile(versionDir.resolve("saved_model.pb")) || !Files.isRegularFile(names)) {
      throw new IllegalArgumentException(versionDir + ": not a SavedModel version exported by tfj-transfer"
          + " (expected saved_model.pb and " + SavedModelExporter.CLASS_NAMES + ")");
    }
    try {
      ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
          .setInterOpParallelismThreads(threads == 0 ? 0 : 1).build();
      SavedModelBundle bundle = SavedModelBundle.loader(versionDir.toString()).withTags("serve")
          .withConfigProto(config).load();
      return new ServingModel(bundle, Files.readAllLines(names).stream().filter(s -> !s.isBlank()).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<String> classNames() {
    return classNames;
  }

  /** Class probabilities, one row per image; throws if any image of the batch cannot be decoded. */
  public List<float[]> probabilities(List<byte[]> encodedImages) {
    return run(SavedModelExporter.BYTES_SIGNATURE, "probabilities", encodedImages);
  }

  /** The head's input (pooled backbone output), one row per image; throws like {@link #probabilities}. */
  public List<float[]> features(List<byte[]> encodedImages) {
    return run(SavedModelExporter.FEATURES_SIGNATURE, SavedModelExporter.FEATURES_OUTPUT, encodedImages);
  }

  private List<float[]> run(String signature, String output, List<byte[]> encodedImages) {
    try (TString input = TString.tensorOfBytes(NdArrays.vectorOfObjects(encodedImages.toArray(new byte[0][])));
        Result result = bundle.function(signature).call(Map.of("image_bytes", input))) {
      TFloat32 values = (TFloat32) result.get(output).orElseThrow();
      int width = (int) values.shape().get(1);
      float[] all = new float[encodedImages.size() * width];
      values.asRawTensor().data().asFloats().read(all);
      List<float[]> rows = new ArrayList<>(encodedImages.size());
      for (int i = 0; i < encodedImages.size(); i++) {
        rows.add(java.util.Arrays.copyOfRange(all, i * width, (i + 1) * width));
      }
      return rows;
    }
  }
}
