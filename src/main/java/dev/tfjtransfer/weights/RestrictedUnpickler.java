package dev.tfjtransfer.weights;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle reader for PyTorch state_dicts only. Python values become Java values (str String,
 * int Long/BigInteger, float Double, tuple {@link Tuple}, list ArrayList, dict LinkedHashMap,
 * None {@link #NONE}). Globals are never imported: only the names a state_dict uses are accepted,
 * as tokens, and {@code REDUCE} on them is interpreted here (the idea of tinygrad's torch_load).
 * Anything else is an error, so a malicious file cannot run code.
 */
final class RestrictedUnpickler {
  /** Python's None. */
  static final Object NONE = new Object() {
    @Override
    public String toString() {
      return "None";
    }
  };

  /** A Python tuple. */
  record Tuple(List<Object> items) {
    Object get(int i) {
      return items.get(i);
    }

    int size() {
      return items.size();
    }
  }

  /** A global name accepted by the whitelist, e.g. {@code torch._utils._rebuild_tensor_v2}. */
  record Global(String module, String name) {
    String qualified() {
      return module + "." + name;
    }
  }

  /** A tensor view on a storage, resolved when the storage bytes are available. */
  record TensorRef(Object storage, long offset, long[] size, long[] stride) {}

  private static final Set<String> ALLOWED_GLOBALS = Set.of(
      "collections.OrderedDict",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_tensor",
      "torch._utils._rebuild_parameter",
      "torch._tensor._rebuild_from_type_v2",
      "torch.nn.parameter.Parameter",
      "torch._tensor.Tensor",
      "torch.Tensor",
      "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
      "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
      "torch.ByteStorage", "torch.BoolStorage");

  private final ByteBuffer in;
  private final Function<Tuple, Object> persistentLoad;
  private final String source;
  private final Deque<Integer> marks = new ArrayDeque<>();
  private final List<Object> stackList = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  /**
   * @param in the pickle bytes, positioned at the first opcode; left after the STOP opcode
   * @param persistentLoad maps a persistent id tuple (torch's storage references) to a value
   * @param source the file name, for error messages
   */
  RestrictedUnpickler(ByteBuffer in, Function<Tuple, Object> persistentLoad, String source) {
    this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    this.persistentLoad = persistentLoad;
    this.source = source;
  }

  Object load() throws IOException {
    try {
      return run();
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException(source + ": pickle stream ends early (truncated file?)");
    } catch (IndexOutOfBoundsException | ClassCastException | java.util.NoSuchElementException e) {
      throw new IOException(source + ": malformed pickle stream at byte " + in.position() + " (" + e.getMessage() + ")");
    }
  }

  private Object run() throws IOException {
    stackList.clear();
    while (true) {
      int position = in.position();
      int op = in.get() & 0xff;
      switch (op) {
        case 0x80 -> in.get(); // PROTO
        case 0x95 -> in.getLong(); // FRAME: framing is only a read-ahead hint
        case '.' -> { // STOP
          return pop();
        }
        case '(' -> marks.push(stackList.size()); // MARK
        case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
        case 't' -> push(new Tuple(popMark())); // TUPLE
        case 0x85 -> push(new Tuple(List.of(pop()))); // TUPLE1
        case 0x86 -> { // TUPLE2
          Object b = pop();
          Object a = pop();
          push(new Tuple(List.of(a, b)));
        }
        case 0x87 -> { // TUPLE3
          Object c = pop();
          Object b = pop();
          Object a = pop();
          push(new Tuple(List.of(a, b, c)));
        }
        case ']' -> push(new ArrayList<>()); // EMPTY_LIST
        case 'l' -> push(new ArrayList<>(popMark())); // LIST
        case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
        case 'a' -> { // APPEND
          Object v = pop();
          asList(peek()).add(v);
        }
        case 'e' -> { // APPENDS
          List<Object> items = popMark();
          asList(peek()).addAll(items);
        }
        case 's' -> { // SETITEM
          Object v = pop();
          Object k = pop();
          asDict(peek()).put(k, v);
        }
        case 'u' -> { // SETITEMS
          List<Object> items = popMark();
          Map<Object, Object> dict = asDict(peek());
          for (int i = 0; i + 1 < items.size(); i += 2) {
            dict.put(items.get(i), items.get(i + 1));
          }
        }
        case 'N' -> push(NONE);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'K' -> push((long) (in.get() & 0xff)); // BININT1
        case 'M' -> push((long) (in.getShort() & 0xffff)); // BININT2
        case 'J' -> push((long) in.getInt()); // BININT
        case 0x8a -> push(readLong(in.get() & 0xff)); // LONG1
        case 0x8b -> push(readLong(in.getInt())); // LONG4
        case 'G' -> push(in.order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT is big-endian
        case 'X' -> push(readString(in.getInt())); // BINUNICODE
        case 0x8c -> push(readString(in.get() & 0xff)); // SHORT_BINUNICODE
        case 0x8d -> push(readString(Math.toIntExact(in.getLong()))); // BINUNICODE8
        case 'T' -> push(readString(in.getInt())); // BINSTRING (protocol 1 str)
        case 'U' -> push(readString(in.get() & 0xff)); // SHORT_BINSTRING
        case 'B' -> push(readBytes(in.getInt())); // BINBYTES
        case 'C' -> push(readBytes(in.get() & 0xff)); // SHORT_BINBYTES
        case 'q' -> memo.put((long) (in.get() & 0xff), peek()); // BINPUT
        case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek()); // LONG_BINPUT
        case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
        case 'h' -> push(memoGet(in.get() & 0xff)); // BINGET
        case 'j' -> push(memoGet(in.getInt() & 0xffffffffL)); // LONG_BINGET
        case 'c' -> push(global(readLine(), readLine())); // GLOBAL
        case 0x93 -> { // STACK_GLOBAL
          String name = (String) pop();
          String module = (String) pop();
          push(global(module, name));
        }
        case 'Q' -> push(persistentLoad.apply((Tuple) pop())); // BINPERSID
        case 'R' -> { // REDUCE
          Tuple args = (Tuple) pop();
          Object callable = pop();
          push(reduce(callable, args));
        }
        case 'b' -> build(pop(), peek()); // BUILD
        case '0' -> pop(); // POP
        case '1' -> popMark(); // POP_MARK
        case '2' -> push(peek()); // DUP
        default -> throw new IOException(String.format(
            "%s: pickle opcode 0x%02x at byte %d is not used by state_dicts; refusing to interpret it",
            source, op, position));
      }
      in.order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  private Object global(String module, String name) throws IOException {
    Global g = new Global(module, name);
    if (!ALLOWED_GLOBALS.contains(g.qualified())) {
      throw new IOException(source + ": pickle references " + g.qualified()
          + ", which a state_dict never needs; refusing to load it (only tensors and OrderedDicts are read)");
    }
    return g;
  }

  private Object reduce(Object callable, Tuple args) throws IOException {
    if (!(callable instanceof Global g)) {
      throw new IOException(source + ": pickle calls a non-global " + callable);
    }
    switch (g.qualified()) {
      case "collections.OrderedDict":
        return new LinkedHashMap<>();
      case "torch._utils._rebuild_tensor_v2":
      case "torch._utils._rebuild_tensor":
        return new TensorRef(args.get(0), toLong(args.get(1)), toLongs(args.get(2)), toLongs(args.get(3)));
      case "torch._utils._rebuild_parameter":
        return args.get(0);
      case "torch._tensor._rebuild_from_type_v2": {
        // (func, new_type, args, state): the tensor subclass is irrelevant to its values
        Tuple inner = (Tuple) args.get(2);
        return reduce(args.get(0), inner);
      }
      default:
        throw new IOException(source + ": pickle calls " + g.qualified() + ", which a state_dict never needs");
    }
  }

  private void build(Object state, Object target) throws IOException {
    // OrderedDict state is the state_dict's _metadata (module versions); tensors carry no state we need
    if (!(target instanceof Map) && !(target instanceof TensorRef)) {
      throw new IOException(source + ": pickle BUILD on unsupported object " + target);
    }
  }

  private static long toLong(Object o) {
    return ((Number) o).longValue();
  }

  private static long[] toLongs(Object o) {
    Tuple t = (Tuple) o;
    long[] values = new long[t.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = toLong(t.get(i));
    }
    return values;
  }

  private Object readLong(int n) {
    byte[] bytes = new byte[n];
    in.get(bytes);
    byte[] bigEndian = new byte[n + 1];
    for (int i = 0; i < n; i++) {
      bigEndian[n - i] = bytes[i];
    }
    bigEndian[0] = (n > 0 && bytes[n - 1] < 0) ? (byte) 0xff : 0;
    BigInteger value = new BigInteger(bigEndian);
    return value.bitLength() < 64 ? (Object) value.longValue() : value;
  }

  private String readString(int length) {
    byte[] bytes = readBytes(length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private byte[] readBytes(int length) {
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  private String readLine() {
    StringBuilder sb = new StringBuilder();
    byte b;
    while ((b = in.get()) != '\n') {
      sb.append((char) b);
    }
    return sb.toString();
  }

  private Object memoGet(long key) throws IOException {
    Object v = memo.get(key);
    if (v == null) {
      throw new IOException(source + ": pickle memo key " + key + " is not defined");
    }
    return v;
  }

  private void push(Object o) {
    stackList.add(o);
  }

  private Object pop() {
    return stackList.remove(stackList.size() - 1);
  }

  private Object peek() {
    return stackList.get(stackList.size() - 1);
  }

  private List<Object> popMark() {
    int mark = marks.pop();
    List<Object> items = new ArrayList<>(stackList.subList(mark, stackList.size()));
    stackList.subList(mark, stackList.size()).clear();
    return items;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object o) {
    return (List<Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> asDict(Object o) {
    return (Map<Object, Object>) o;
  }
}
