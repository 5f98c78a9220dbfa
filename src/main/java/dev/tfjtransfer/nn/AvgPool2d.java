package dev.tfjtransfer.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * {@code nn.AvgPool2d(kernel, stride)} without padding: the mean of each window, the output size
 * rounding down as torch's does (TF's {@code VALID}).
 */
public final class AvgPool2d extends Layer {
  private final int kernel;
  private final int stride;

  public AvgPool2d(String name, int kernel, int stride) {
    super(name);
    this.kernel = (int) requirePositive("kernel", kernel);
    this.stride = (int) requirePositive("stride", stride);
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    return context.tf().nn.avgPool(input, List.of(1L, (long) kernel, (long) kernel, 1L),
        List.of(1L, (long) stride, (long) stride, 1L), "VALID");
  }

  @Override
  public String describe() {
    return "AvgPool2d(k=" + kernel + ", s=" + stride + ")";
  }
}
