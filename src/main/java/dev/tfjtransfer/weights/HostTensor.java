package dev.tfjtransfer.weights;

import java.util.Arrays;

/**
 * A dense, row-major tensor in JVM memory: what a state_dict entry holds between a weights file and
 * a model. Floating types are kept as F32 and integer types as I64 (torch's BatchNorm
 * {@code num_batches_tracked} is int64).
 */
public final class HostTensor {
  private final DType dtype;
  private final long[] shape;
  private final float[] floats;
  private final long[] longs;

  private HostTensor(DType dtype, long[] shape, float[] floats, long[] longs) {
    long expected = elementCount(shape);
    long actual = floats != null ? floats.length : longs.length;
    if (expected != actual) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + expected + " values, got " + actual);
    }
    this.dtype = dtype;
    this.shape = shape.clone();
    this.floats = floats;
    this.longs = longs;
  }

  public static HostTensor ofFloats(long[] shape, float[] values) {
    return new HostTensor(DType.F32, shape, values, null);
  }

  public static HostTensor ofLongs(long[] shape, long[] values) {
    return new HostTensor(DType.I64, shape, null, values);
  }

  public static HostTensor scalarLong(long value) {
    return ofLongs(new long[0], new long[] {value});
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long size() {
    return elementCount(shape);
  }

  /** The values of an F32 tensor (not a copy: callers must not modify it). */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("tensor is " + dtype + ", not F32");
    }
    return floats;
  }

  /** The values of an I64 tensor (not a copy: callers must not modify it). */
  public long[] longs() {
    if (longs == null) {
      throw new IllegalStateException("tensor is " + dtype + ", not I64");
    }
    return longs;
  }

  public boolean hasShape(long[] other) {
    return Arrays.equals(shape, other);
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public String toString() {
    return dtype + shapeString();
  }
}
