package dev.tfjtransfer.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Layers applied in order, torch's {@code nn.Sequential}: children are usually named by their
 * index ("0", "1", ...), which gives torchvision's names such as {@code features.28.weight}.
 */
public final class Sequential extends Layer {
  private final List<Layer> layers;

  public Sequential(String name, List<Layer> layers) {
    super(name);
    this.layers = List.copyOf(layers);
    // unnamed children (blocks that keep their layers' flat names) add no path segment; a clash
    // between their variables is caught by Model when the variables are created
    List<String> names = this.layers.stream().map(Layer::name).filter(n -> !n.isEmpty()).toList();
    if (names.stream().distinct().count() != names.size()) {
      throw new IllegalArgumentException("Sequential '" + name + "' has two children with the same name");
    }
  }

  public Sequential(String name, Layer... layers) {
    this(name, List.of(layers));
  }

  @Override
  public List<Layer> children() {
    return layers;
  }

  @Override
  protected Operand<TFloat32> call(LayerContext context, Operand<TFloat32> input) {
    Operand<TFloat32> x = input;
    for (Layer layer : layers) {
      x = layer.apply(context, x);
    }
    return x;
  }
}
