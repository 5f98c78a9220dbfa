package dev.tfjtransfer.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

class SavedModelExporterTest {
  private static final List<String> CLASSES = List.of("ants", "bees", "wasps");
  private static final int SIZE = 64;

  @TempDir
  static Path dir;
  static StateDict weights;
  static Path version1;

  @BeforeAll
  static void exportOnce() throws Exception {
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), SIZE, SIZE, SessionOptions.defaults())) {
      model.initialize(4);
      weights = model.stateDict();
    }
    version1 = SavedModelExporter.export(spec(), dir.resolve("savedmodels/ants"));
  }

  private static SavedModelExporter.Spec spec() {
    return new SavedModelExporter.Spec("resnet18", HeadSpec.linear(3), weights, CLASSES, Normalization.IMAGENET, SIZE);
  }

  @Test
  void versionsCountUpAndNeverOverwrite() throws Exception {
    assertEquals(dir.resolve("savedmodels/ants/1"), version1);
    byte[] before = Files.readAllBytes(version1.resolve("saved_model.pb"));
    Path version2 = SavedModelExporter.export(spec(), dir.resolve("savedmodels/ants"));
    assertEquals(dir.resolve("savedmodels/ants/2"), version2);
    assertArrayEquals(before, Files.readAllBytes(version1.resolve("saved_model.pb")));
    try (var children = Files.list(dir.resolve("savedmodels/ants"))) {
      assertEquals(Set.of("1", "2"), Set.copyOf(children.map(p -> p.getFileName().toString()).toList()),
          "no temporary directory left behind");
    }
    String config = Files.readString(dir.resolve("savedmodels/models.config"));
    assertTrue(config.contains("name: 'ants'") && config.contains("base_path: '/models/ants'"), config);
  }

  @Test
  void savedModelProtoHasTheServingSignatureAndNoTrainingOps() throws Exception {
    SavedModel saved;
    try (InputStream in = Files.newInputStream(version1.resolve("saved_model.pb"))) {
      saved = SavedModel.parseFrom(in);
    }
    assertEquals(1, saved.getMetaGraphsCount());
    MetaGraphDef meta = saved.getMetaGraphs(0);
    assertEquals(List.of("serve"), meta.getMetaInfoDef().getTagsList());
    SignatureDef signature = meta.getSignatureDefMap().get("serving_default");
    assertEquals("tensorflow/serving/predict", signature.getMethodName());
    assertEquals(Set.of("images"), signature.getInputsMap().keySet());
    checkTensor(signature.getInputsMap().get("images"), DataType.DT_FLOAT, -1, SIZE, SIZE, 3);
    checkTensor(signature.getOutputsMap().get("probabilities"), DataType.DT_FLOAT, -1, 3);
    checkTensor(signature.getOutputsMap().get("logits"), DataType.DT_FLOAT, -1, 3);
    checkTensor(signature.getOutputsMap().get("class_ids"), DataType.DT_INT64, -1);
    checkTensor(signature.getOutputsMap().get("class_names"), DataType.DT_STRING, -1);
    List<String> offending = new ArrayList<>();
    for (NodeDef node : meta.getGraphDef().getNodeList()) {
      String op = node.getOp();
      boolean training = op.startsWith("Apply") || op.contains("Grad") || op.contains("Backprop")
          || op.startsWith("Random") || op.startsWith("StatelessRandom")
          || (op.startsWith("FusedBatchNorm") && node.getAttrMap().get("is_training").getB())
          || node.getName().startsWith("load_state_dict/") || node.getName().startsWith("gradients");
      if (training) {
        offending.add(node.getName() + " (" + op + ")");
      }
    }
    assertTrue(offending.isEmpty(), "training ops in the serving graph: " + offending);
    assertFalse(meta.getGraphDef().getNodeList().stream().anyMatch(n -> n.getOp().equals("Assign")
        && !n.getName().startsWith("save/")), "only the saver may assign variables");
  }

  private static void checkTensor(TensorInfo info, DataType type, long... dims) {
    assertEquals(type, info.getDtype());
    long[] actual = info.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    assertArrayEquals(dims, actual);
  }

  @Test
  void aFreshJvmGetsTheInProcessOutputs() throws Exception {
    int n = 3;
    float[] pixels = new float[n * SIZE * SIZE * 3];
    SplittableRandom random = new SplittableRandom(8);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(256);
    }
    StateDict input = new StateDict();
    input.put("images", HostTensor.ofFloats(new long[] {n, SIZE, SIZE, 3}, pixels));
    Safetensors.write(input, dir.resolve("input.safetensors"));

    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), SavedModelRunner.class.getName(), version1.toString(),
        dir.resolve("input.safetensors").toString(), dir.resolve("output.safetensors").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("runner.log").toFile()).start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, Files.readString(dir.resolve("runner.log")));
    StateDict served = Safetensors.read(dir.resolve("output.safetensors"));

    float[] expectedLogits;
    try (Model model = ModelZoo.create("resnet18", HeadSpec.linear(3), SIZE, SIZE, SessionOptions.defaults())) {
      model.loadStateDict(weights, dev.tfjtransfer.nn.LoadMode.STRICT);
      float[] normalized = new float[pixels.length];
      float[] mean = Normalization.IMAGENET.mean();
      float[] std = Normalization.IMAGENET.std();
      for (int i = 0; i < pixels.length; i++) {
        normalized[i] = (pixels[i] / 255f - mean[i % 3]) / std[i % 3];
      }
      expectedLogits = model.predict(normalized, n);
    }
    double scale = Math.max(1, Arrays4d.maxAbs(expectedLogits));
    assertTrue(Arrays4d.maxAbsDiff(expectedLogits, served.get("logits").floats()) <= 1e-5 * scale,
        "logits differ by " + Arrays4d.maxAbsDiff(expectedLogits, served.get("logits").floats()));
    List<String> names = new ArrayList<>();
    for (int row = 0; row < n; row++) {
      int argmax = Arrays4d.argmax(expectedLogits, row, 3);
      assertEquals(argmax, served.get("class_ids").longs()[row]);
      names.add(CLASSES.get(argmax));
      float[] p3 = java.util.Arrays.copyOfRange(served.get("probabilities").floats(), row * 3, row * 3 + 3);
      assertEquals(1.0, p3[0] + p3[1] + p3[2], 1e-5);
    }
    assertEquals(String.join(",", names), served.metadata().get("class_names"));
  }
}
