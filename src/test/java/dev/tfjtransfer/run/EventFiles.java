package dev.tfjtransfer.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.tensorflow.proto.Event;

/**
 * Reads TensorBoard event files independently of the writer: TFRecord framing (length, masked
 * CRC-32C of the length, data, masked CRC-32C of the data) around {@link Event} protos.
 */
final class EventFiles {
  private EventFiles() {}

  static List<Event> read(Path dir) throws IOException {
    List<Event> events = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IOException(dir + ": no event file");
    }
    for (Path file : files) {
      ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
      while (in.remaining() > 0) {
        byte[] lengthBytes = new byte[8];
        in.get(lengthBytes);
        long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        check(lengthBytes, in.getInt(), file);
        byte[] data = new byte[(int) length];
        in.get(data);
        check(data, in.getInt(), file);
        events.add(Event.parseFrom(data));
      }
    }
    return events;
  }

  private static void check(byte[] data, int storedMaskedCrc, Path file) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(data);
    int c = (int) crc.getValue();
    int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
    if (masked != storedMaskedCrc) {
      throw new IOException(file + ": record CRC mismatch");
    }
  }
}
