package dev.tfjtransfer.weights;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Keras' HDF5 weight files ({@code model.save_weights} / keras.applications downloads) with
 * the pure-Java jHDF reader: the root attribute {@code layer_names} lists the layers in order, and
 * each layer group's {@code weight_names} lists its weights in Keras' order (kernel, bias; gamma,
 * beta, moving_mean, moving_variance). As Keras' own loader does, weights are matched by that
 * order, not by their names, which changed between Keras versions.
 */
public final class KerasH5 {
  private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

  private KerasH5() {}

  /** Each layer's weights in Keras layout and order, layers in file order (weightless ones omitted). */
  public static Map<String, List<HostTensor>> read(Path file) throws IOException {
    Map<String, List<HostTensor>> layers = new LinkedHashMap<>();
    try (HdfFile hdf = new HdfFile(file)) {
      Node weightsRoot = hdf.getChildren().containsKey("model_weights") ? hdf.getChild("model_weights") : hdf;
      Attribute layerNames = weightsRoot.getAttribute("layer_names");
      if (layerNames == null) {
        throw new InvalidWeightsFileException(file, "HDF5 file without a layer_names attribute: not Keras weights");
      }
      for (String layer : strings(layerNames.getData())) {
        Node group = ((io.jhdf.api.Group) weightsRoot).getChild(layer);
        Attribute weightNames = group == null ? null : group.getAttribute("weight_names");
        if (weightNames == null) {
          throw new InvalidWeightsFileException(file, "layer '" + layer + "' has no weight_names attribute");
        }
        List<HostTensor> weights = new ArrayList<>();
        for (String weight : strings(weightNames.getData())) {
          Dataset dataset = ((io.jhdf.api.Group) group).getDatasetByPath(weight);
          weights.add(toHost(dataset));
        }
        if (!weights.isEmpty()) {
          layers.put(layer, weights);
        }
      }
    } catch (RuntimeException e) {
      // jHDF reports a damaged file with its own and with java.lang exceptions alike
      // ("Couldn't read 97 bytes as int"): any of them means the file is not readable HDF5
      throw new InvalidWeightsFileException(file, "unreadable HDF5 (" + e.getMessage() + ")", e);
    }
    return layers;
  }

  /** Whether {@code file} starts with the HDF5 signature. */
  public static boolean isHdf5File(Path file) throws IOException {
    if (!java.nio.file.Files.isRegularFile(file)) {
      return false; // StateDict.read names what it is instead
    }
    byte[] head = new byte[8];
    int n;
    try (var in = java.nio.file.Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, 8);
    }
    return isHdf5(head, n);
  }

  /** Whether the bytes start with the HDF5 signature. */
  static boolean isHdf5(byte[] head, int length) {
    return length >= 8 && Arrays.equals(Arrays.copyOf(head, 8), HDF5_SIGNATURE);
  }

  private static HostTensor toHost(Dataset dataset) {
    int[] dims = dataset.getDimensions();
    long[] shape = Arrays.stream(dims).asLongStream().toArray();
    Object flat = dataset.getDataFlat();
    if (flat instanceof float[] f) {
      return HostTensor.ofFloats(shape, f);
    }
    if (flat instanceof double[] d) {
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
      }
      return HostTensor.ofFloats(shape, f);
    }
    throw new IllegalArgumentException("dataset " + dataset.getPath() + " holds " + flat.getClass().getSimpleName()
        + ", expected float32 or float64 weights");
  }

  private static List<String> strings(Object data) {
    if (data == null) {
      return List.of(); // an empty attribute, as weightless layers (pooling, flatten) have
    }
    if (data instanceof String[] values) {
      return List.of(values);
    }
    if (data instanceof String value) {
      return List.of(value);
    }
    throw new IllegalArgumentException("expected a string array attribute, got " + data.getClass().getSimpleName());
  }
}
