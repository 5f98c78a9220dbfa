package dev.tfjtransfer.weights;

import dev.tfjtransfer.weights.RestrictedUnpickler.Global;
import dev.tfjtransfer.weights.RestrictedUnpickler.TensorRef;
import dev.tfjtransfer.weights.RestrictedUnpickler.Tuple;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch {@code torch.save(state_dict)} files without Python, in both formats: the zip
 * archive of torch >= 1.6 ({@code archive/data.pkl} plus one entry per storage) and the legacy
 * stream of five pickles followed by raw storages (torchvision's {@code vgg16-397923af.pth}).
 * Only state_dicts are accepted: see {@link RestrictedUnpickler}.
 */
public final class TorchPth {
  /** torch's legacy magic number, pickled as a LONG1 at the start of the file. */
  private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

  /** torchvision's pattern in {@code densenet._load_state_dict}. */
  private static final Pattern LEGACY_DENSE_LAYER_KEY = Pattern.compile(
      "^(.*denselayer\\d+\\.(?:norm|relu|conv))\\.((?:[12])\\.(?:weight|bias|running_mean|running_var))$");

  private TorchPth() {}

  public static StateDict read(Path file) throws IOException {
    StateDict raw = switch (StateDict.WeightFormat.detect(file)) {
      case TORCH_ZIP -> readZip(file);
      case TORCH_LEGACY -> readLegacy(file);
      case SAFETENSORS, KERAS_H5 -> throw new InvalidWeightsFileException(file, "is not a PyTorch .pth file");
    };
    return renameDenseLayerKeys(raw);
  }

  /**
   * torchvision's published DenseNet files name a dense layer's modules {@code norm.1},
   * {@code conv.2} (from LuaTorch); torchvision's {@code densenet._load_state_dict} renames them
   * to today's {@code norm1}, {@code conv2} before loading, and so does this. No other key matches.
   */
  static StateDict renameDenseLayerKeys(StateDict state) {
    if (state.names().stream().noneMatch(n -> LEGACY_DENSE_LAYER_KEY.matcher(n).matches())) {
      return state;
    }
    StateDict renamed = new StateDict();
    renamed.metadata().putAll(state.metadata());
    state.tensors().forEach((name, tensor) -> renamed.put(LEGACY_DENSE_LAYER_KEY.matcher(name).replaceFirst("$1$2"),
        tensor));
    return renamed;
  }

  /** A storage reference from a pickle's persistent id: ('storage', type, key, location, numel). */
  private record StorageRef(String key, StorageType type, long numel) {}

  private static StorageRef storageRef(Path file, Tuple pid) {
    if (pid.size() < 5 || !"storage".equals(pid.get(0)) || !(pid.get(1) instanceof Global type)) {
      throw new IllegalArgumentException(file + ": unexpected persistent id " + pid.items());
    }
    return new StorageRef(String.valueOf(pid.get(2)), StorageType.of(file, type.name()),
        ((Number) pid.get(4)).longValue());
  }

  private static StateDict readZip(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String prefix = null;
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (name.endsWith("data.pkl") && (name.equals("data.pkl") || name.endsWith("/data.pkl"))) {
          prefix = name.substring(0, name.length() - "data.pkl".length());
          break;
        }
      }
      if (prefix == null) {
        throw new InvalidWeightsFileException(file, "zip archive has no data.pkl: not a torch.save file");
      }
      ZipEntry byteOrder = zip.getEntry(prefix + "byteorder");
      if (byteOrder != null) {
        String order = new String(zip.getInputStream(byteOrder).readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
          throw new InvalidWeightsFileException(file, "byte order '" + order + "' is not supported, expected little");
        }
      }
      byte[] pickle = zip.getInputStream(zip.getEntry(prefix + "data.pkl")).readAllBytes();
      Object root = unpickle(file, ByteBuffer.wrap(pickle));
      Map<String, ByteBuffer> storages = new HashMap<>();
      final String dataPrefix = prefix + "data/";
      return toStateDict(file, root, ref -> storages.computeIfAbsent(ref.key(), key -> {
        try {
          ZipEntry entry = zip.getEntry(dataPrefix + key);
          if (entry == null) {
            throw new IllegalArgumentException(file + ": storage " + key + " is missing from the archive");
          }
          return ByteBuffer.wrap(zip.getInputStream(entry).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
          throw new IllegalArgumentException(file + ": cannot read storage " + key + ": " + e.getMessage(), e);
        }
      }));
    } catch (ZipException e) {
      throw new InvalidWeightsFileException(file, "damaged zip archive (" + e.getMessage() + ")", e);
    }
  }

  private static StateDict readLegacy(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (channel.size() > Integer.MAX_VALUE) {
        throw new InvalidWeightsFileException(file, "legacy .pth files over 2 GiB are not supported");
      }
      ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()).order(ByteOrder.LITTLE_ENDIAN);
      Object magic = unpickle(file, bytes);
      if (!LEGACY_MAGIC.equals(magic)) {
        throw new InvalidWeightsFileException(file, "starts with a pickle but not with torch's magic number");
      }
      Object protocol = unpickle(file, bytes);
      if (!(protocol instanceof Long p) || p != 1001L) {
        throw new InvalidWeightsFileException(file, "torch legacy protocol " + protocol + " is not supported, expected 1001");
      }
      unpickle(file, bytes); // sys_info: endianness and type sizes, always little-endian and 8-byte longs here
      Object root = unpickle(file, bytes);
      Object keys = unpickle(file, bytes);
      if (!(keys instanceof List<?> keyList)) {
        throw new InvalidWeightsFileException(file, "missing the list of storage keys");
      }
      // Storages follow in key order, each as an int64 element count and then raw data.
      Map<String, ByteBuffer> storages = new HashMap<>();
      Map<String, StorageType> types = new HashMap<>();
      List<StorageRef> refs = new ArrayList<>();
      collectStorageRefs(root, refs);
      refs.forEach(r -> types.put(r.key(), r.type()));
      for (Object key : keyList) {
        StorageType type = types.get(String.valueOf(key));
        if (type == null) {
          throw new InvalidWeightsFileException(file, "storage " + key + " is listed but never referenced");
        }
        long count = bytes.getLong();
        long length = count * type.bytes;
        if (count < 0 || length > bytes.remaining()) {
          throw new InvalidWeightsFileException(file, "storage " + key + " of " + count
              + " elements runs past the end of the file (truncated?)");
        }
        ByteBuffer data = bytes.slice(bytes.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.position(bytes.position() + (int) length);
        storages.put(String.valueOf(key), data);
      }
      return toStateDict(file, root, ref -> storages.get(ref.key()));
    }
  }

  private static Object unpickle(Path file, ByteBuffer bytes) throws IOException {
    if (!bytes.hasRemaining()) {
      throw new InvalidWeightsFileException(file, "ends early (truncated file?)");
    }
    try {
      return new RestrictedUnpickler(bytes, pid -> storageRef(file, pid), file.toString()).load();
    } catch (IllegalArgumentException e) {
      throw new InvalidWeightsFileException(file, e.getMessage(), e);
    }
  }

  private static void collectStorageRefs(Object root, List<StorageRef> refs) {
    if (root instanceof Map<?, ?> map) {
      map.values().forEach(v -> collectStorageRefs(v, refs));
    } else if (root instanceof TensorRef t && t.storage() instanceof StorageRef s) {
      refs.add(s);
    }
  }

  private interface StorageSource {
    ByteBuffer bytes(StorageRef ref);
  }

  private static StateDict toStateDict(Path file, Object root, StorageSource source) throws IOException {
    if (!(root instanceof Map<?, ?> map)) {
      throw new InvalidWeightsFileException(file, "holds " + describe(root)
          + ", expected a state_dict (a dict of tensors); save model.state_dict(), not the model");
    }
    Object nested = map.get("state_dict");
    if (nested instanceof Map<?, ?> && !(map.values().iterator().next() instanceof TensorRef)) {
      // training checkpoints often wrap the weights: {"epoch": ..., "state_dict": {...}}
      return toStateDict(file, nested, source);
    }
    StateDict state = new StateDict();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getValue() instanceof TensorRef t) || !(t.storage() instanceof StorageRef ref)) {
        throw new InvalidWeightsFileException(file, "entry '" + e.getKey() + "' is " + describe(e.getValue())
            + ", expected a tensor");
      }
      ByteBuffer bytes;
      try {
        bytes = source.bytes(ref);
      } catch (IllegalArgumentException ex) {
        throw new InvalidWeightsFileException(file, ex.getMessage(), ex);
      }
      if (bytes == null || bytes.capacity() < ref.numel() * ref.type().bytes) {
        throw new InvalidWeightsFileException(file, "storage of '" + e.getKey() + "' is missing or short");
      }
      state.put(String.valueOf(e.getKey()), ref.type().gather(bytes, t.offset(), t.size(), t.stride(),
          file + " '" + e.getKey() + "'"));
    }
    return state;
  }

  private static String describe(Object o) {
    if (o instanceof Global g) {
      return g.qualified();
    }
    return o == null ? "nothing" : o.getClass().getSimpleName() + " " + String.valueOf(o);
  }

  /** torch storage classes and how their elements widen to the project's F32 / I64. */
  private enum StorageType {
    FLOAT(4), DOUBLE(8), HALF(2), BFLOAT16(2), LONG(8), INT(4), SHORT(2), CHAR(1), BYTE(1), BOOL(1);

    final int bytes;

    StorageType(int bytes) {
      this.bytes = bytes;
    }

    static StorageType of(Path file, String className) {
      return switch (className) {
        case "FloatStorage" -> FLOAT;
        case "DoubleStorage" -> DOUBLE;
        case "HalfStorage" -> HALF;
        case "BFloat16Storage" -> BFLOAT16;
        case "LongStorage" -> LONG;
        case "IntStorage" -> INT;
        case "ShortStorage" -> SHORT;
        case "CharStorage" -> CHAR;
        case "ByteStorage" -> BYTE;
        case "BoolStorage" -> BOOL;
        default -> throw new IllegalArgumentException(file + ": unsupported storage type " + className);
      };
    }

    boolean isFloating() {
      return this == FLOAT || this == DOUBLE || this == HALF || this == BFLOAT16;
    }

    /** Copies a strided view of the storage into a dense row-major tensor. */
    HostTensor gather(ByteBuffer storage, long offset, long[] size, long[] stride, String what) {
      int n = Math.toIntExact(HostTensor.elementCount(size));
      long maxIndex = offset;
      for (int d = 0; d < size.length; d++) {
        maxIndex += (size[d] - 1) * stride[d];
      }
      if (n > 0 && (offset < 0 || (maxIndex + 1) * bytes > storage.capacity())) {
        throw new IllegalArgumentException(what + " reads past the end of its storage");
      }
      long[] index = isContiguous(size, stride) ? null : stridedIndices(size, stride, offset, n);
      if (isFloating()) {
        float[] values = new float[n];
        if (this == FLOAT && index == null && n > 0) {
          storage.slice(Math.toIntExact(offset * 4), n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
          for (int i = 0; i < n; i++) {
            int at = Math.toIntExact((index == null ? offset + i : index[i]) * bytes);
            values[i] = switch (this) {
              case FLOAT -> storage.getFloat(at);
              case DOUBLE -> (float) storage.getDouble(at);
              case HALF -> HalfFloats.halfToFloat(storage.getShort(at));
              default -> HalfFloats.bfloat16ToFloat(storage.getShort(at));
            };
          }
        }
        return HostTensor.ofFloats(size, values);
      }
      long[] values = new long[n];
      for (int i = 0; i < n; i++) {
        int at = Math.toIntExact((index == null ? offset + i : index[i]) * bytes);
        values[i] = switch (this) {
          case LONG -> storage.getLong(at);
          case INT -> storage.getInt(at);
          case SHORT -> storage.getShort(at);
          case CHAR -> storage.get(at);
          default -> storage.get(at) & 0xff;
        };
      }
      return HostTensor.ofLongs(size, values);
    }

    private static boolean isContiguous(long[] size, long[] stride) {
      long expected = 1;
      for (int d = size.length - 1; d >= 0; d--) {
        if (size[d] != 1 && stride[d] != expected) {
          return false;
        }
        expected *= size[d];
      }
      return true;
    }

    /** Storage element index of each tensor element, in row-major order. */
    private static long[] stridedIndices(long[] size, long[] stride, long offset, int n) {
      long[] out = new long[n];
      long[] counter = new long[size.length];
      long position = offset;
      for (int i = 0; i < out.length; i++) {
        out[i] = position;
        for (int d = size.length - 1; d >= 0; d--) {
          counter[d]++;
          position += stride[d];
          if (counter[d] < size[d]) {
            break;
          }
          position -= counter[d] * stride[d];
          counter[d] = 0;
        }
      }
      return out;
    }
  }
}
