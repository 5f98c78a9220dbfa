package dev.tfjtransfer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import dev.tfjtransfer.config.ConfigLoader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/**
 * What TensorFlow Serving needs, checked with its own definitions (no TF Serving binary can be
 * installed here): {@code models.config} parses as its {@code ModelServerConfig} text proto, and
 * every SavedModel version it points at has the {@code serve} tag, the predict method on every
 * signature, a -1 batch dimension on every input and output, and the TensorFlow version that wrote it.
 */
class TfServingCompatibilityTest {
  @Test
  void modelsConfigParsesAsTfServingsProtoAndEveryVersionIsServable() throws Exception {
    DemoExport demo = DemoExport.get();
    ModelServerConfig.Builder config = ModelServerConfig.newBuilder();
    TextFormat.merge(Files.readString(demo.savedModels.resolve("models.config")), config);
    List<ModelConfig> models = config.getModelConfigList().getConfigList();
    assertEquals(List.of("demo"), models.stream().map(ModelConfig::getName).toList());
    int versions = 0;
    for (ModelConfig model : models) {
      assertEquals("tensorflow", model.getModelPlatform());
      assertEquals("/models/" + model.getName(), model.getBasePath(), "the official image mounts /models");
      Path local = demo.savedModels.resolve(model.getName());
      List<Path> dirs;
      try (Stream<Path> list = Files.list(local)) {
        dirs = list.filter(p -> p.getFileName().toString().matches("\\d+")).toList();
      }
      for (Path version : dirs) {
        checkServable(version);
        versions++;
      }
    }
    assertTrue(versions > 0);
  }

  private static void checkServable(Path version) throws Exception {
    SavedModel saved;
    try (InputStream in = Files.newInputStream(version.resolve("saved_model.pb"))) {
      saved = SavedModel.parseFrom(in);
    }
    assertEquals(1, saved.getMetaGraphsCount());
    MetaGraphDef meta = saved.getMetaGraphs(0);
    assertEquals(List.of("serve"), meta.getMetaInfoDef().getTagsList());
    assertEquals(TensorFlow.version(), meta.getMetaInfoDef().getTensorflowVersion());
    assertFalse(meta.getMetaInfoDef().getTensorflowGitVersion().isEmpty());
    Map<String, SignatureDef> signatures = meta.getSignatureDefMap();
    assertEquals(java.util.Set.of("serving_default", "serving_bytes", "features"), signatures.keySet());
    List<String> problems = new ArrayList<>();
    signatures.forEach((name, signature) -> {
      if (!signature.getMethodName().equals("tensorflow/serving/predict")) {
        problems.add(name + ": method " + signature.getMethodName());
      }
      List<Map.Entry<String, TensorInfo>> tensors = new ArrayList<>(signature.getInputsMap().entrySet());
      tensors.addAll(signature.getOutputsMap().entrySet());
      for (Map.Entry<String, TensorInfo> tensor : tensors) {
        var shape = tensor.getValue().getTensorShape();
        if (shape.getUnknownRank() || shape.getDimCount() == 0 || shape.getDim(0).getSize() != -1) {
          problems.add(name + "." + tensor.getKey() + ": batch dimension is not -1: " + shape);
        }
      }
    });
    assertTrue(problems.isEmpty(), version + ": " + problems);
  }

  /**
   * Spark 4.2 brings Jackson 2.21, protobuf-java 4.33 and its own lz4-java: with them, a SavedModel
   * runs, TF's protos parse, the core's YAML config binds and a Spark query runs, all in one JVM.
   */
  @Test
  void savedModelAndSparkSessionShareOneJvm() throws Exception {
    DemoExport demo = DemoExport.get();
    try (SavedModelBundle bundle = SavedModelBundle.load(demo.version.toString(), "serve")) {
      assertTrue(bundle.signatures().size() >= 3);
    }
    assertEquals("resnet18", ConfigLoader.parse("model: {arch: resnet18}", "inline", List.of()).model().arch());
    Row json = demo.spark.sql("SELECT to_json(named_struct('a', 1)) AS j").first();
    assertEquals("{\"a\":1}", json.getString(0));
    assertEquals(1, java.util.Collections.list(getClass().getClassLoader()
        .getResources("net/jpountz/lz4/LZ4Factory.class")).size(), "one lz4-java on the classpath");
    assertEquals(com.fasterxml.jackson.module.scala.DefaultScalaModule$.MODULE$.version().getMinorVersion(),
        com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.getMinorVersion());
  }
}
