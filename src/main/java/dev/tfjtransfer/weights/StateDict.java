package dev.tfjtransfer.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Named tensors keyed by torchvision parameter names ({@code features.0.weight},
 * {@code layer4.1.bn2.running_var}), in PyTorch's layouts (conv OIHW, Linear (out, in)): the
 * project's exchange format between weight files and models, like {@code model.state_dict()}.
 */
public final class StateDict {
  private final Map<String, HostTensor> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public void put(String name, HostTensor tensor) {
    tensors.put(name, tensor);
  }

  public HostTensor get(String name) {
    return tensors.get(name);
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  public Map<String, HostTensor> tensors() {
    return Collections.unmodifiableMap(tensors);
  }

  public int size() {
    return tensors.size();
  }

  /** Free-form string metadata kept with the weights (safetensors {@code __metadata__}). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Total number of values over all tensors, integer buffers included. */
  public long valueCount() {
    return tensors.values().stream().mapToLong(HostTensor::size).sum();
  }

  /** The name of the first floating-point tensor holding a NaN or an infinity, if any. */
  public Optional<String> firstNonFinite() {
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      if (e.getValue().dtype() == DType.F32) {
        for (float v : e.getValue().floats()) {
          if (!Float.isFinite(v)) {
            return Optional.of(e.getKey());
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Reads a weights file, detecting its format from its first bytes: safetensors, a PyTorch zip
   * archive (torch >= 1.6), a legacy PyTorch pickle stream, or Keras HDF5 weights (converted, the
   * architecture detected from the layer names).
   */
  public static StateDict read(Path file) throws IOException {
    WeightFormat format = WeightFormat.detect(file);
    try {
      return switch (format) {
        case SAFETENSORS -> Safetensors.read(file);
        case TORCH_ZIP, TORCH_LEGACY -> TorchPth.read(file);
        case KERAS_H5 -> KerasConversion.convert(file, null);
      };
    } catch (OutOfMemoryError e) {
      // the tensors read so far are garbage now: there is heap again to say so
      throw new IOException(file + ": not enough Java heap to read its " + Files.size(file) / (1 << 20)
          + " MB of weights (-Xmx" + Runtime.getRuntime().maxMemory() / (1 << 20) + "m; raise it, e.g. TFJ_OPTS=-Xmx4g)",
          e);
    }
  }

  /** The formats {@link #read} recognises. */
  public enum WeightFormat {
    SAFETENSORS,
    TORCH_ZIP,
    TORCH_LEGACY,
    KERAS_H5;

    static WeightFormat detect(Path file) throws IOException {
      if (Files.isDirectory(file)) {
        throw new IOException(file + ": is a directory, not a weights file");
      }
      if (!Files.isRegularFile(file)) {
        throw new IOException(file + ": no such weights file");
      }
      byte[] head = new byte[10];
      // 10 bytes: enough for the zip, pickle, HDF5 and safetensors signatures
      int n;
      try (InputStream in = Files.newInputStream(file)) {
        n = in.readNBytes(head, 0, head.length);
      }
      if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
        return TORCH_ZIP;
      }
      // before the pickle check: a safetensors header length such as 0x280 starts with 0x80 0x02,
      // while a legacy torch file has its magic number (no '{') at byte 8
      if (n >= 9 && head[8] == '{') {
        return SAFETENSORS;
      }
      if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2) {
        return TORCH_LEGACY;
      }
      if (KerasH5.isHdf5(head, n)) {
        return KERAS_H5;
      }
      throw new InvalidWeightsFileException(file, "not a safetensors file, PyTorch zip archive, PyTorch pickle or Keras .h5"
          + " (first bytes " + hex(head, n) + ")");
    }

    private static String hex(byte[] bytes, int n) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < n; i++) {
        sb.append(String.format("%02x", bytes[i] & 0xff));
      }
      return sb.toString();
    }
  }
}
