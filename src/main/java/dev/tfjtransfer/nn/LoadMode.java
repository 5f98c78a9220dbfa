package dev.tfjtransfer.nn;

/** How {@link Model#loadStateDict} treats weights that do not fit the model. */
public enum LoadMode {
  /** Any missing, unexpected or mis-shaped key is an error listing all of them (torch's strict=True). */
  STRICT,
  /**
   * Loads what fits and keeps the model's own initial values elsewhere: how 1000-class ImageNet
   * weights go into a model whose head was replaced for N classes.
   */
  SKIP_MISMATCHED
}
