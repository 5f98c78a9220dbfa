package dev.tfjtransfer.djl;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.List;

/**
 * Image in, Classifications out, for a tfj-transfer SavedModel: the tutorial's validation crop
 * (shorter side to 256, centre 224x224) in Java, RGB pixels 0..255 as float32 into the
 * {@code images} input; the normalization is inside the exported graph.
 */
final class ServingTranslator implements Translator<Image, Classifications> {
  private static final int RESIZE = 256;
  private static final int CROP = 224;

  private final List<String> classNames;

  ServingTranslator(List<String> classNames) {
    this.classNames = classNames;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Image input) {
    int w = input.getWidth();
    int h = input.getHeight();
    int shortSide = Math.min(w, h);
    int longSide = (int) ((double) RESIZE * Math.max(w, h) / shortSide);
    Image resized = w <= h ? input.resize(RESIZE, longSide, true) : input.resize(longSide, RESIZE, true);
    // torchvision's CenterCrop offsets: round half to even
    int left = (int) Math.rint((resized.getWidth() - CROP) / 2.0);
    int top = (int) Math.rint((resized.getHeight() - CROP) / 2.0);
    Image cropped = resized.getSubImage(left, top, CROP, CROP);
    NDArray pixels = cropped.toNDArray(ctx.getNDManager(), Image.Flag.COLOR).toType(DataType.FLOAT32, false);
    return new NDList(pixels);
  }

  @Override
  public Classifications processOutput(TranslatorContext ctx, NDList outputs) {
    NDArray probabilities = outputs.get("probabilities");
    return new Classifications(classNames, probabilities);
  }

  @Override
  public Batchifier getBatchifier() {
    return Batchifier.STACK;
  }
}
