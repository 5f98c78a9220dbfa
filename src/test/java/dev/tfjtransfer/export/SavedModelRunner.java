package dev.tfjtransfer.export;

import dev.tfjtransfer.weights.HostTensor;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Run in a separate JVM by the export test, as another application would: loads a SavedModel with
 * plain TF Java, calls serving_default on images from a safetensors file, writes the outputs back.
 * Usage: SavedModelRunner SAVED_MODEL_DIR INPUT.safetensors OUTPUT.safetensors
 */
public final class SavedModelRunner {
  private SavedModelRunner() {}

  public static void main(String[] args) throws Exception {
    HostTensor images = Safetensors.read(Path.of(args[1])).get("images");
    try (SavedModelBundle bundle = SavedModelBundle.load(args[0], "serve");
        TFloat32 input = TFloat32.tensorOf(Shape.of(images.shape()))) {
      input.asRawTensor().data().asFloats().write(images.floats());
      try (Result result = bundle.function("serving_default").call(Map.of("images", input))) {
        StateDict out = new StateDict();
        for (String name : List.of("logits", "probabilities")) {
          TFloat32 t = (TFloat32) result.get(name).orElseThrow();
          float[] v = new float[(int) t.shape().size()];
          t.asRawTensor().data().asFloats().read(v);
          out.put(name, HostTensor.ofFloats(t.shape().asArray(), v));
        }
        TInt64 ids = (TInt64) result.get("class_ids").orElseThrow();
        long[] idValues = new long[(int) ids.shape().size()];
        ids.asRawTensor().data().asLongs().read(idValues);
        out.put("class_ids", HostTensor.ofLongs(ids.shape().asArray(), idValues));
        TString names = (TString) result.get("class_names").orElseThrow();
        List<String> nameValues = new ArrayList<>();
        for (long i = 0; i < names.shape().size(); i++) {
          nameValues.add(names.getObject(i));
        }
        out.metadata().put("class_names", String.join(",", nameValues));
        Safetensors.write(out, Path.of(args[2]));
      }
    }
  }
}
