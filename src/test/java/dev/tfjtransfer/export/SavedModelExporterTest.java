package dev.tfjtransfer.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tfjtransfer.Arrays4d;
import dev.tfjtransfer.data.Interpolation;
import dev.tfjtransfer.data.Normalization;
import dev.tfjtransfer.data.Pipeline;
import dev.tfjtransfer.data.Transforms;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.nn.SessionOptions;
import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import dev.tfjtransfer.zoo.EvalPreset;
import dev.tfjtransfer.zoo.HeadSpec;
import dev.tfjtransfer.zoo.ModelZoo;
import java.io.IOException;
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
    version1 = SavedModelExporter.export(spec(), dir.resolve("savedmodels/ants")).version();
  }

  private static SavedModelExporter.Spec spec() {
    return new SavedModelExporter.Spec("resnet18", HeadSpec.linear(3), weights, CLASSES,
        new EvalPreset(SIZE * 256 / 224, SIZE, Interpolation.BILINEAR, Normalization.IMAGENET));
  }

  @Test
  void versionsCountUpAndNeverOverwrite() throws Exception {
    assertEquals(dir.resolve("savedmodels/ants/1"), version1);
    byte[] before = Files.readAllBytes(version1.resolve("saved_model.pb"));
    Path version2 = SavedModelExporter.export(spec(), dir.resolve("savedmodels/ants")).version();
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
  void aFailedExportLeavesNoModelDirectory() throws Exception {
    StateDict incomplete = new StateDict();
    weights.tensors().forEach((name, tensor) -> {
      if (!name.equals("fc.bias")) {
        incomplete.put(name, tensor);
      }
    });
    Path model = dir.resolve("failing/models/broken");
    SavedModelExporter.Spec spec = new SavedModelExporter.Spec("resnet18", HeadSpec.linear(3), incomplete, CLASSES,
        spec().eval());
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> SavedModelExporter.export(spec, model));
    assertTrue(e.getMessage().contains("fc.bias"), e.getMessage());
    assertFalse(Files.exists(model), "no empty model directory");
  }

  @Test
  void aModelsConfigThatCannotBeWrittenIsNamedAndTheFinishedVersionReported() throws Exception {
    Path root = dir.resolve("blocked");
    Files.createDirectories(root.resolve(ServingConfig.FILE)); // a directory where the file goes
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
        () -> SavedModelExporter.export(spec(), root.resolve("m")));
    assertEquals("exported " + root.resolve("m/1") + ", but " + root.toAbsolutePath().resolve(ServingConfig.FILE)
        + ": cannot write: Is a directory", e.getMessage());
    assertTrue(Files.isRegularFile(root.resolve("m/1/saved_model.pb")), "the finished version stays");
  }

  @Test
  void temporariesOfDeadProcessesAreRemovedAndLiveOnesKept() throws Exception {
    Process finished = new ProcessBuilder("true").start();
    finished.waitFor();
    Path model = dir.resolve("savedmodels/tidy");
    Path abandoned = Files.createDirectories(model.resolve(".tmp-4-" + finished.pid() + "/variables"));
    Files.writeString(abandoned.resolve("variables.index"), "partial");
    Path live = Files.createDirectories(model.resolve(".tmp-9-" + ProcessHandle.current().pid()));

    SavedModelExporter.export(spec(), model);

    try (var children = Files.list(model)) {
      assertEquals(Set.of("1", live.getFileName().toString()),
          Set.copyOf(children.map(p -> p.getFileName().toString()).toList()));
    }
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
    SignatureDef bytes = meta.getSignatureDefMap().get("serving_bytes");
    assertEquals("tensorflow/serving/predict", bytes.getMethodName());
    checkTensor(bytes.getInputsMap().get("image_bytes"), DataType.DT_STRING, -1);
    assertEquals(signature.getOutputsMap().keySet(), bytes.getOutputsMap().keySet());
    SignatureDef features = meta.getSignatureDefMap().get("features");
    assertEquals("tensorflow/serving/predict", features.getMethodName());
    assertEquals(bytes.getInputsMap(), features.getInputsMap(), "the same image_bytes input as serving_bytes");
    checkTensor(features.getOutputsMap().get("features"), DataType.DT_FLOAT, -1, 512);
    assertEquals(org.tensorflow.TensorFlow.version(), meta.getMetaInfoDef().getTensorflowVersion());
    assertFalse(meta.getGraphDef().getNodeList().stream().anyMatch(n -> n.getOp().equals("Assign")
        && !n.getName().startsWith("save/")), "only the saver may assign variables");
  }

  @Test
  void encodedImagesSignatureAgreesWithTheFloatSignature() throws Exception {
    List<byte[]> jpegs = new ArrayList<>();
    List<dev.tfjtransfer.data.RgbImage> decoded = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Path file = dir.resolve("photo" + i + ".jpg");
      java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(90 + 20 * i, 70, 5);
      java.awt.Graphics2D g = image.createGraphics();
      g.setPaint(new java.awt.GradientPaint(0, 0, java.awt.Color.ORANGE, 90, 70, java.awt.Color.BLUE));
      g.fillRect(0, 0, image.getWidth(), 70);
      g.dispose();
      javax.imageio.ImageIO.write(image, "jpeg", file.toFile());
      jpegs.add(Files.readAllBytes(file));
      decoded.add(dev.tfjtransfer.data.ImageDecoder.decode(file));
    }
    int resize = SIZE * 256 / 224;
    float[] pixels = new float[2 * SIZE * SIZE * 3];
    for (int i = 0; i < 2; i++) {
      var crop = dev.tfjtransfer.data.Transforms.centerCrop(SIZE).apply(
          dev.tfjtransfer.data.Transforms.resizeShorter(resize).apply(decoded.get(i), null), null);
      for (int p = 0; p < SIZE * SIZE * 3; p++) {
        pixels[i * SIZE * SIZE * 3 + p] = crop.pixels()[p] & 0xff;
      }
    }
    try (org.tensorflow.SavedModelBundle bundle = org.tensorflow.SavedModelBundle.load(version1.toString(), "serve");
        org.tensorflow.types.TString bytes = org.tensorflow.types.TString.tensorOfBytes(
            org.tensorflow.ndarray.NdArrays.vectorOfObjects(jpegs.toArray(new byte[0][])));
        org.tensorflow.types.TFloat32 floats = org.tensorflow.types.TFloat32.tensorOf(
            org.tensorflow.ndarray.Shape.of(2, SIZE, SIZE, 3))) {
      floats.asRawTensor().data().asFloats().write(pixels);
      try (org.tensorflow.Result fromBytes = bundle.function("serving_bytes").call(java.util.Map.of("image_bytes", bytes));
          org.tensorflow.Result fromFloats = bundle.function("serving_default").call(java.util.Map.of("images", floats))) {
        float[] a = new float[6];
        float[] b = new float[6];
        fromBytes.get("probabilities").orElseThrow().asRawTensor().data().asFloats().read(a);
        fromFloats.get("probabilities").orElseThrow().asRawTensor().data().asFloats().read(b);
        assertTrue(Arrays4d.maxAbsDiff(a, b) < 0.01, java.util.Arrays.toString(a) + " vs " + java.util.Arrays.toString(b));
      }
    }
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
