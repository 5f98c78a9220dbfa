package dev.tfjtransfer.train;

import dev.tfjtransfer.TorchReferences;
import dev.tfjtransfer.weights.StateDict;
import java.nio.file.Path;

/** The files tests/parity/make_recipe_refs.py writes (torch 1.13, timm/fastai restated), made once. */
final class RecipeReferences {
  private RecipeReferences() {}

  static StateDict read(String file) throws Exception {
    Path dir = TorchReferences.generate("make_recipe_refs.py", "recipe-refs");
    return StateDict.read(dir.resolve(file));
  }

  static int[] ints(long[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) values[i];
    }
    return out;
  }
}
