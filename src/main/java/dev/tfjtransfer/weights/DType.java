package dev.tfjtransfer.weights;

/** Element types of host tensors, spelled as safetensors spells them. */
public enum DType {
  F32(4),
  I64(8);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  public int byteSize() {
    return byteSize;
  }
}
