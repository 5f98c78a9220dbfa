package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Dense;
import dev.tfjtransfer.nn.Dropout;
import dev.tfjtransfer.nn.Layer;
import dev.tfjtransfer.nn.ReLU;
import dev.tfjtransfer.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/** Builds the MLP head of a {@link HeadSpec}, numbered like torch's nn.Sequential. */
final class Heads {
  private Heads() {}

  /** Linear(in, h1), ReLU, Dropout, ..., Linear(hk, N) named "0", "1", ... */
  static Sequential mlp(String name, long inFeatures, HeadSpec spec) {
    List<Layer> layers = new ArrayList<>();
    long width = inFeatures;
    for (int hidden : spec.hidden()) {
      layers.add(new Dense(String.valueOf(layers.size()), width, hidden));
      layers.add(new ReLU(String.valueOf(layers.size())));
      layers.add(new Dropout(String.valueOf(layers.size()), spec.dropout()));
      width = hidden;
    }
    layers.add(new Dense(String.valueOf(layers.size()), width, spec.numClasses()));
    return new Sequential(name, layers);
  }
}
