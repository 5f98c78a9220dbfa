package dev.tfjtransfer.nn;

/**
 * How a parameter is stored in the graph relative to PyTorch's layout. The graph is NHWC, so
 * convolution kernels are HWIO and Dense kernels (in, out); state_dicts stay in torch's layouts.
 */
public enum Layout {
  /** Same layout in both (biases, BatchNorm vectors, scalars). */
  SAME(null),
  /** torch conv weight (out, in, kh, kw) stored as TF's (kh, kw, in, out). */
  CONV_OIHW_AS_HWIO(new int[] {2, 3, 1, 0}),
  /** torch Linear weight (out, in) stored as (in, out) for {@code x @ W}. */
  LINEAR_OUT_IN_AS_IN_OUT(new int[] {1, 0}),
  /** torch per-channel tensor (C, 1, 1), broadcast over NCHW, stored (1, 1, C) to broadcast over NHWC. */
  CHANNEL_C11_AS_11C(new int[] {1, 2, 0});

  private final int[] torchToGraph;

  Layout(int[] torchToGraph) {
    this.torchToGraph = torchToGraph;
  }

  /** The transpose permutation from torch's layout to the graph's, or null for none. */
  public int[] torchToGraph() {
    return torchToGraph == null ? null : torchToGraph.clone();
  }

  /** The transpose permutation from the graph's layout back to torch's, or null for none. */
  public int[] graphToTorch() {
    if (torchToGraph == null) {
      return null;
    }
    int[] inverse = new int[torchToGraph.length];
    for (int i = 0; i < torchToGraph.length; i++) {
      inverse[torchToGraph[i]] = i;
    }
    return inverse;
  }

  /** The graph shape of a parameter whose torch shape is {@code torchShape}. */
  public long[] graphShape(long[] torchShape) {
    if (torchToGraph == null) {
      return torchShape.clone();
    }
    long[] shape = new long[torchShape.length];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = torchShape[torchToGraph[i]];
    }
    return shape;
  }
}
