package dev.tfjtransfer.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir
  Path dir;

  @Test
  void writeThenReadGivesBackEveryTensorAndTheMetadata() throws Exception {
    StateDict state = new StateDict();
    state.put("features.0.weight", HostTensor.ofFloats(new long[] {2, 1, 3, 3}, ramp(18)));
    state.put("bn.num_batches_tracked", HostTensor.scalarLong(42));
    state.put("fc.bias", HostTensor.ofFloats(new long[] {3}, new float[] {-1.5f, 0f, Float.MIN_VALUE}));
    state.metadata().put("preprocessing", "imagenet");
    Path file = dir.resolve("w.safetensors");
    Safetensors.write(state, file);

    StateDict back = Safetensors.read(file);
    assertEquals(state.names(), back.names());
    assertArrayEquals(ramp(18), back.get("features.0.weight").floats());
    assertArrayEquals(new long[] {2, 1, 3, 3}, back.get("features.0.weight").shape());
    assertArrayEquals(new long[] {42}, back.get("bn.num_batches_tracked").longs());
    assertEquals(0, back.get("bn.num_batches_tracked").rank());
    assertArrayEquals(state.get("fc.bias").floats(), back.get("fc.bias").floats());
    assertEquals("imagenet", back.metadata().get("preprocessing"));

    // the header is the documented layout: u64 length, then JSON padded to 8 bytes
    ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = raw.getLong(0);
    assertEquals(0, headerLength % 8);
    String header = new String(Files.readAllBytes(file), 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.contains("\"features.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,1,3,3],\"data_offsets\":[0,72]}"),
        header);
  }

  @Test
  void headerLengthThatLooksLikeAPickleProtocolIsStillSafetensors() throws Exception {
    // a header of 0x280 bytes starts the file with 0x80 0x02, the first bytes of a legacy torch pickle
    StateDict state = new StateDict();
    state.put("fc.bias", HostTensor.ofFloats(new long[] {3}, ramp(3)));
    state.metadata().put("note", "");
    Path file = dir.resolve("w.safetensors");
    Safetensors.write(state, file);
    ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int json = new String(raw.array(), 8, (int) raw.getLong(0), StandardCharsets.UTF_8).stripTrailing().length();
    state.metadata().put("note", "x".repeat(0x280 - json));
    Safetensors.write(state, file);
    byte[] head = Files.readAllBytes(file);
    assertEquals(0x80, head[0] & 0xff);
    assertEquals(0x02, head[1]);
    assertArrayEquals(ramp(3), StateDict.read(file).get("fc.bias").floats());
  }

  @Test
  void writingLeavesNoTemporaryFileAndReplacesAtomically() throws Exception {
    Path file = dir.resolve("w.safetensors");
    StateDict first = new StateDict();
    first.put("a", HostTensor.ofFloats(new long[] {1}, new float[] {1f}));
    Safetensors.write(first, file);
    StateDict second = new StateDict();
    second.put("b", HostTensor.ofFloats(new long[] {1}, new float[] {2f}));
    Safetensors.write(second, file);
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
    assertEquals(java.util.Set.of("b"), Safetensors.read(file).names());
  }

  @Test
  void truncatedFileIsAClearError() throws Exception {
    StateDict state = new StateDict();
    state.put("w", HostTensor.ofFloats(new long[] {100}, ramp(100)));
    Path file = dir.resolve("w.safetensors");
    Safetensors.write(state, file);
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.safetensors");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 10));
    var e = assertThrows(InvalidWeightsFileException.class, () -> StateDict.read(cut));
    assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("'w'"), e.getMessage());
  }

  static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * 0.25f - 1;
    }
    return v;
  }
}
