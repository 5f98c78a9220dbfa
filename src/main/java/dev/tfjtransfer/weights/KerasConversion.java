package dev.tfjtransfer.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Converts keras.applications ImageNet weights to the project's state_dict layout: torch layouts
 * (OIHW, Linear (out, in)), {@code vgg16} with torchvision's names, {@code resnet50_keras} with
 * Keras' layer names. Keras' models take BGR input minus the ImageNet mean (caffe preprocessing);
 * the first convolution's input channels are reversed so the converted model takes RGB, and the
 * remaining mean subtraction is recorded in the metadata ({@link #NORMALIZE_MEAN},
 * {@link #NORMALIZE_STD}, on the 0..1 scale) for predict, training and export to apply.
 */
public final class KerasConversion {
  public static final String NORMALIZE_MEAN = "normalize_mean";
  public static final String NORMALIZE_STD = "normalize_std";
  /** caffe's BGR mean, reordered to RGB. */
  private static final double[] CAFFE_MEAN_RGB = {123.68, 116.779, 103.939};
  private static final int[] VGG_FEATURE_INDEX = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
  private static final String[] VGG_CONVS = {"block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
      "block3_conv1", "block3_conv2", "block3_conv3", "block4_conv1", "block4_conv2", "block4_conv3", "block5_conv1",
      "block5_conv2", "block5_conv3"};

  private KerasConversion() {}

  /** The architectures Keras files convert to. */
  public static final List<String> ARCHITECTURES = List.of("vgg16", "resnet50_keras");

  /**
   * @param architecture {@code vgg16}, {@code resnet50_keras}, or null to detect it from the layers
   */
  public static StateDict convert(Path file, String architecture) throws IOException {
    Map<String, List<HostTensor>> layers = KerasH5.read(file);
    String arch = architecture != null ? architecture : detect(file, layers);
    StateDict state = switch (arch) {
      case "vgg16" -> vgg16(file, layers);
      case "resnet50_keras" -> resnet50(file, layers);
      default -> throw new IllegalArgumentException("Keras weights convert to " + ARCHITECTURES + ", not " + arch);
    };
    state.metadata().put("source", "keras:" + file.getFileName());
    state.metadata().put("arch", arch);
    state.metadata().put("preprocessing", "caffe: RGB 0..255 minus the ImageNet mean (BGR order folded into conv1)");
    state.metadata().put(NORMALIZE_MEAN, csv(CAFFE_MEAN_RGB[0] / 255, CAFFE_MEAN_RGB[1] / 255, CAFFE_MEAN_RGB[2] / 255));
    state.metadata().put(NORMALIZE_STD, csv(1 / 255.0, 1 / 255.0, 1 / 255.0));
    return state;
  }

  static String detect(Path file, Map<String, List<HostTensor>> layers) throws InvalidWeightsFileException {
    if (layers.containsKey("block1_conv1") && layers.containsKey("block5_conv3")) {
      return "vgg16";
    }
    if (layers.containsKey("conv1_conv") && layers.containsKey("conv5_block3_3_conv")) {
      return "resnet50_keras";
    }
    List<String> names = new ArrayList<>(layers.keySet());
    throw new InvalidWeightsFileException(file, "fits no known Keras architecture (" + ARCHITECTURES + "); it holds "
        + names.size() + " layers with weights: " + String.join(", ", names.subList(0, Math.min(12, names.size())))
        + (names.size() > 12 ? ", ..." : ""));
  }

  private static StateDict vgg16(Path file, Map<String, List<HostTensor>> layers) throws IOException {
    StateDict state = new StateDict();
    for (int i = 0; i < VGG_CONVS.length; i++) {
      List<HostTensor> w = layer(file, layers, VGG_CONVS[i], 2);
      state.put("features." + VGG_FEATURE_INDEX[i] + ".weight", convKernel(w.get(0), i == 0));
      state.put("features." + VGG_FEATURE_INDEX[i] + ".bias", w.get(1));
    }
    if (layers.containsKey("fc1")) {
      // Keras flattens NHWC (h, w, c); the project flattens torch's (c, h, w): reorder fc1's rows
      HostTensor fc1 = layer(file, layers, "fc1", 2).get(0);
      long out = fc1.shape()[1];
      HostTensor chw = HostTensors.reshape(HostTensors.permute(HostTensors.reshape(fc1, 7, 7, 512, out), 2, 0, 1, 3),
          25088, out);
      state.put("classifier.0.weight", HostTensors.permute(chw, 1, 0));
      state.put("classifier.0.bias", layers.get("fc1").get(1));
      dense(file, layers, "fc2", "classifier.3", state);
      dense(file, layers, "predictions", "classifier.6", state);
    }
    return state;
  }

  private static StateDict resnet50(Path file, Map<String, List<HostTensor>> layers) throws IOException {
    StateDict state = new StateDict();
    for (Map.Entry<String, List<HostTensor>> e : layers.entrySet()) {
      String name = e.getKey();
      List<HostTensor> w = e.getValue();
      if (name.endsWith("_conv")) {
        state.put(name + ".weight", convKernel(w.get(0), name.equals("conv1_conv")));
        state.put(name + ".bias", w.get(1));
      } else if (name.endsWith("_bn")) {
        layer(file, layers, name, 4);
        state.put(name + ".weight", w.get(0));
        state.put(name + ".bias", w.get(1));
        state.put(name + ".running_mean", w.get(2));
        state.put(name + ".running_var", w.get(3));
      } else if (name.equals("predictions") || name.equals("fc1000")) {
        dense(file, layers, name, "predictions", state);
      } else {
        throw new InvalidWeightsFileException(file, "unexpected layer '" + name + "' for resnet50_keras");
      }
    }
    return state;
  }

  private static void dense(Path file, Map<String, List<HostTensor>> layers, String keras, String torch,
      StateDict state) throws IOException {
    List<HostTensor> w = layer(file, layers, keras, 2);
    state.put(torch + ".weight", HostTensors.permute(w.get(0), 1, 0));
    state.put(torch + ".bias", w.get(1));
  }

  /** HWIO to OIHW; the first convolution also flips BGR input channels to RGB. */
  private static HostTensor convKernel(HostTensor hwio, boolean firstConv) {
    HostTensor oihw = HostTensors.permute(hwio, 3, 2, 0, 1);
    return firstConv ? HostTensors.reverse(oihw, 1) : oihw;
  }

  private static List<HostTensor> layer(Path file, Map<String, List<HostTensor>> layers, String name, int count)
      throws InvalidWeightsFileException {
    List<HostTensor> w = layers.get(name);
    if (w == null || w.size() != count) {
      throw new InvalidWeightsFileException(file, "layer '" + name + "' should hold " + count + " weights, found "
          + (w == null ? "no layer" : w.size()));
    }
    return w;
  }

  private static String csv(double... values) {
    StringBuilder sb = new StringBuilder();
    for (double v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.9g", v));
    }
    return sb.toString();
  }
}
