package dev.tfjtransfer.data;

import dev.tfjtransfer.zoo.EvalPreset;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A composed image pipeline ({@code transforms.Compose}): image steps, then ToTensor and
 * Normalize into a float buffer, then tensor steps (RandomErasing). The output must be
 * {@code size x size}.
 */
public record Pipeline(List<ImageTransform> steps, Normalization normalization, int size,
    List<TensorTransform> tensorSteps) {
  public Pipeline {
    steps = List.copyOf(steps);
    tensorSteps = List.copyOf(tensorSteps);
  }

  public Pipeline(List<ImageTransform> steps, Normalization normalization, int size) {
    this(steps, normalization, size, List.of());
  }

  /** The tutorial's validation pipeline: Resize(256), CenterCrop(224), ImageNet Normalize. */
  public static Pipeline imagenetEval() {
    return imagenetEval(EvalPreset.IMAGENET_224);
  }

  /**
   * The eval transforms of published weights ({@code weights.transforms()}): Resize(resize,
   * interpolation), CenterCrop(crop), Normalize.
   */
  public static Pipeline imagenetEval(EvalPreset preset) {
    return new Pipeline(List.of(Transforms.resizeShorter(preset.resizeSize(), preset.interpolation()),
        Transforms.centerCrop(preset.cropSize())), preset.normalization(), preset.cropSize());
  }

  /** The tutorial's training pipeline: RandomResizedCrop(224), RandomHorizontalFlip, Normalize. */
  public static Pipeline imagenetTrain() {
    return imagenetTrain(224);
  }

  /** The tutorial's training pipeline at {@code size} px. */
  public static Pipeline imagenetTrain(int size) {
    return new Pipeline(List.of(Transforms.randomResizedCrop(size), Transforms.randomHorizontalFlip(0.5)),
        Normalization.IMAGENET, size);
  }

  /** The same steps and size with another normalization (e.g. what converted weights record). */
  public Pipeline withNormalization(Normalization next) {
    return new Pipeline(steps, next, size);
  }

  /** Transforms {@code image} and writes it at {@code dest[offset]}, {@code size*size*3} floats, HWC. */
  public void apply(RgbImage image, SplittableRandom random, float[] dest, int offset) {
    write(transform(image, random), random, dest, offset);
  }

  /** The image steps alone: what ToTensor receives. */
  public RgbImage transform(RgbImage image, SplittableRandom random) {
    return transform(image, random, draw -> {});
  }

  /**
   * The parameters a random step drew for one image, e.g. a {@link Transforms.RandomResizedCrop.Box}:
   * applying {@code op.applyWith} with them in step order reproduces the pipeline's output.
   *
   * @param step the step's position in {@link #steps}
   * @param op torchvision's class name of the step, e.g. {@code RandomHorizontalFlip}
   */
  public record Draw(int step, String op, Object params) {}

  /**
   * {@link #transform}, reporting each random step's draw to {@code onDraw}: the one code path for
   * training batches and for replaying their augmentation elsewhere, so the two cannot differ. A
   * random step whose draw is not exposed (not a {@link RandomOp}) is an error when reporting.
   */
  public RgbImage transform(RgbImage image, SplittableRandom random, Consumer<Draw> onDraw) {
    RgbImage out = image;
    for (int i = 0; i < steps.size(); i++) {
      ImageTransform step = steps.get(i);
      out = step instanceof RandomOp<?> op ? applyReporting(op, i, out, random, onDraw) : step.apply(out, random);
    }
    return out;
  }

  private static <P> RgbImage applyReporting(RandomOp<P> op, int step, RgbImage image, SplittableRandom random,
      Consumer<Draw> onDraw) {
    P params = op.draw(image, random);
    onDraw.accept(new Draw(step, op.getClass().getSimpleName(), params));
    return op.applyWith(image, params);
  }

  /**
   * Whether {@link #transform} reports every random draw: all random image steps are
   * {@link RandomOp}s and there are no tensor steps (RandomErasing draws after ToTensor).
   */
  public boolean reportsEveryDraw() {
    return tensorSteps.isEmpty() && steps.stream().allMatch(s -> !s.isRandom() || s instanceof RandomOp<?>);
  }

  /** ToTensor, Normalize and the tensor steps of a {@code size x size} image, at {@code dest[offset]}. */
  public void write(RgbImage image, SplittableRandom random, float[] dest, int offset) {
    if (image.width() != size || image.height() != size) {
      throw new IllegalStateException("pipeline produced " + image.width() + "x" + image.height() + ", expected "
          + size + "x" + size + ": end it with a crop or resize to that size");
    }
    normalization.write(image, dest, offset);
    for (TensorTransform step : tensorSteps) {
      step.apply(dest, offset, size, size, random);
    }
  }

  /**
   * This pipeline without its final CenterCrop, which test-time FiveCrop / TenCrop replace
   * (torchvision's {@code Resize(256), TenCrop(224)}).
   */
  Pipeline withoutFinalCenterCrop() {
    if (steps.isEmpty() || !(steps.get(steps.size() - 1) instanceof Transforms.CenterCrop)) {
      throw new IllegalArgumentException("five_crop and ten_crop take the place of the pipeline's final"
          + " center_crop; this pipeline does not end with one");
    }
    return new Pipeline(steps.subList(0, steps.size() - 1), normalization, size, tensorSteps);
  }

  /** Whether every step is deterministic, so an image's output can be computed once and reused. */
  public boolean isDeterministic() {
    return tensorSteps.isEmpty() && steps.stream().noneMatch(ImageTransform::isRandom);
  }

  public int floatsPerImage() {
    return size * size * 3;
  }
}
