package dev.tfjtransfer.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tfjtransfer.util.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header mapping names to dtype, shape and byte offsets, then raw
 * little-endian data. Readable by PyTorch ({@code safetensors.torch.load_file}), so fine-tuned
 * weights can go back to Python.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private Safetensors() {}

  public static StateDict read(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = channel.size();
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      if (fileSize < 8 || channel.read(lengthBytes, 0) != 8) {
        throw new InvalidWeightsFileException(file, "too short for a safetensors header");
      }
      long headerLength = lengthBytes.getLong(0);
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
        throw new InvalidWeightsFileException(file, "safetensors header length " + headerLength
            + " does not fit a file of " + fileSize + " bytes");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      channel.read(headerBytes, 8);
      JsonNode header;
      try {
        header = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new InvalidWeightsFileException(file, "safetensors header is not JSON: " + e.getMessage());
      }
      long dataStart = 8 + headerLength;
      StateDict state = new StateDict();
      Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (field.getKey().equals("__metadata__")) {
          field.getValue().fields().forEachRemaining(m -> state.metadata().put(m.getKey(), m.getValue().asText()));
          continue;
        }
        state.put(field.getKey(), readTensor(file, channel, field.getKey(), field.getValue(), dataStart, fileSize));
      }
      return state;
    }
  }

  private static HostTensor readTensor(Path file, FileChannel channel, String name, JsonNode entry,
      long dataStart, long fileSize) throws IOException {
    String dtype = entry.path("dtype").asText();
    JsonNode shapeNode = entry.path("shape");
    JsonNode offsets = entry.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new InvalidWeightsFileException(file, "tensor '" + name + "' needs shape and data_offsets [begin, end]");
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong();
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    long count = HostTensor.elementCount(shape);
    ElementType type = ElementType.parse(dtype);
    if (type == null) {
      throw new InvalidWeightsFileException(file, "tensor '" + name + "' has dtype " + dtype
          + ", expected one of F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL");
    }
    if (end - begin != count * type.bytes || begin < 0 || dataStart + end > fileSize) {
      throw new InvalidWeightsFileException(file, "tensor '" + name + "' " + dtype + java.util.Arrays.toString(shape)
          + " has data_offsets [" + begin + ", " + end + "] that do not match its size or the file");
    }
    ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin)
        .order(ByteOrder.LITTLE_ENDIAN);
    return type.decode(shape, bytes, (int) count);
  }

  /** Writes {@code state} to {@code file} through a temporary file and an atomic rename. */
  public static void write(StateDict state, Path file) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!state.metadata().isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      state.metadata().forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, HostTensor> e : state.tensors().entrySet()) {
      HostTensor t = e.getValue();
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", t.dtype().name());
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      long bytes = t.size() * t.dtype().byteSize();
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] headerBytes = JSON.writeValueAsBytes(header);
    int padded = (headerBytes.length + 7) / 8 * 8;
    ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    prefix.putLong(padded).put(headerBytes);
    while (prefix.hasRemaining()) {
      prefix.put((byte) ' ');
    }
    AtomicFiles.write(file, out -> {
      out.write(prefix.array());
      for (HostTensor t : state.tensors().values()) {
        writeTensor(out, t);
      }
    });
  }

  private static void writeTensor(OutputStream out, HostTensor t) throws IOException {
    int n = (int) t.size();
    int chunk = Math.min(n, 1 << 20); // a bias needs no 8 MB buffer
    ByteBuffer buffer = ByteBuffer.allocate(chunk * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int start = 0; start < n; start += chunk) {
      int len = Math.min(chunk, n - start);
      if (t.dtype() == DType.F32) {
        buffer.asFloatBuffer().put(t.floats(), start, len);
        out.write(buffer.array(), 0, len * 4);
      } else {
        buffer.asLongBuffer().put(t.longs(), start, len);
        out.write(buffer.array(), 0, len * 8);
      }
    }
  }

  /** Element types safetensors files may hold; floats widen to F32, integers to I64. */
  private enum ElementType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    final int bytes;

    ElementType(int bytes) {
      this.bytes = bytes;
    }

    static ElementType parse(String name) {
      for (ElementType t : values()) {
        if (t.name().equals(name)) {
          return t;
        }
      }
      return null;
    }

    HostTensor decode(long[] shape, ByteBuffer b, int n) {
      switch (this) {
        case F32 -> {
          float[] v = new float[n];
          b.asFloatBuffer().get(v);
          return HostTensor.ofFloats(shape, v);
        }
        case I64 -> {
          long[] v = new long[n];
          b.asLongBuffer().get(v);
          return HostTensor.ofLongs(shape, v);
        }
        case F16, BF16, F64 -> {
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = switch (this) {
              case F16 -> HalfFloats.halfToFloat(b.getShort(2 * i));
              case BF16 -> HalfFloats.bfloat16ToFloat(b.getShort(2 * i));
              default -> (float) b.getDouble(8 * i);
            };
          }
          return HostTensor.ofFloats(shape, v);
        }
        default -> {
          long[] v = new long[n];
          for (int i = 0; i < n; i++) {
            v[i] = switch (this) {
              case I32 -> b.getInt(4 * i);
              case I16 -> b.getShort(2 * i);
              case I8 -> b.get(i);
              default -> b.get(i) & 0xff;
            };
          }
          return HostTensor.ofLongs(shape, v);
        }
      }
    }
  }
}
