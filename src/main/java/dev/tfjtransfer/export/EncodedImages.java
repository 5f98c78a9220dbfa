package dev.tfjtransfer.export;

import dev.tfjtransfer.data.Interpolation;
import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.While;
import org.tensorflow.op.image.DecodeJpeg;
import org.tensorflow.op.image.ScaleAndTranslate;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * The validation preprocessing as graph ops, for serving encoded images: decode each JPEG/PNG
 * (RGB; TF's DecodeJpeg kernel also reads PNG, and its accurate integer DCT is the one PIL's
 * libjpeg uses, where DecodeImage would use the fast one), resize the shorter side to {@code
 * resize} with TF's antialiased ScaleAndTranslate (kernel "triangle" is PIL's bilinear filter,
 * "keyscubic", Keys' cubic with a = -0.5, PIL's bicubic) in PIL's two rounded passes, and take the
 * centre {@code crop x crop}. Images of a batch differ in size, so a functional while loop
 * processes them one by one.
 */
final class EncodedImages {
  private EncodedImages() {}

  /** [-1] encoded images to float32 [-1, crop, crop, 3] in 0..255. */
  static Operand<TFloat32> preprocess(Ops tf, Operand<TString> encoded, int resize, int crop,
      Interpolation interpolation) {
    ConcreteFunction cond = ConcreteFunction.create(f -> {
      Placeholder<TInt32> i = f.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TString> images = f.placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Placeholder<TFloat32> done = f.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, crop, crop, 3)));
      Operand<TInt32> count = f.size(images, TInt32.class);
      return Signature.builder().input("i", i).input("images", images).input("done", done)
          .output("more", f.math.less(i, count)).build();
    });
    ConcreteFunction body = ConcreteFunction.create(f -> {
      Placeholder<TInt32> i = f.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TString> images = f.placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Placeholder<TFloat32> done = f.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, crop, crop, 3)));
      Operand<TString> one = f.gather(images, i, f.constant(0));
      Operand<TFloat32> image = f.expandDims(one(f, one, resize, crop, interpolation), f.constant(0));
      Operand<TFloat32> next = f.concat(List.of(done, image), f.constant(0));
      return Signature.builder().input("i", i).input("images", images).input("done", done)
          .output("i_next", f.math.add(i, f.constant(1))).output("images_out", f.identity(images))
          .output("done_next", next).build();
    });
    Operand<TFloat32> empty = tf.zeros(tf.constant(new int[] {0, crop, crop, 3}), TFloat32.class);
    While loop = tf.statelessWhile(List.of(tf.constant(0), encoded, empty), cond, body,
        While.outputShapes(List.of(Shape.scalar(), Shape.of(-1), Shape.of(-1, crop, crop, 3))));
    @SuppressWarnings("unchecked")
    Operand<TFloat32> result = (Operand<TFloat32>) loop.output().get(2);
    return tf.ensureShape(result, Shape.of(-1, crop, crop, 3));
  }

  /** Decode, resize the shorter side, round, centre-crop: one image. */
  private static Operand<TFloat32> one(Ops tf, Operand<TString> encoded, int resize, int crop,
      Interpolation interpolation) {
    Operand<TUint8> decoded = tf.image.decodeJpeg(encoded, DecodeJpeg.channels(3L),
        DecodeJpeg.dctMethod("INTEGER_ACCURATE"));
    Operand<TFloat64> hw = tf.dtypes.cast(tf.slice(tf.shape(decoded), tf.constant(new int[] {0}),
        tf.constant(new int[] {2})), TFloat64.class);
    Operand<TFloat64> shortSide = tf.min(hw, tf.constant(0));
    // torchvision: the shorter side becomes `resize`, the longer int(resize * long / short)
    Operand<TFloat64> newHw = tf.math.floor(tf.math.div(tf.math.mul(hw, tf.constant((double) resize)), shortSide));
    Operand<TFloat32> batch = tf.expandDims(tf.dtypes.cast(decoded, TFloat32.class), tf.constant(0));
    // PIL resizes horizontally, rounds and clips to 8 bits, then vertically: the clipping matters
    // where the cubic filter overshoots at edges, so the graph makes the same two passes (a pass
    // with scale 1 is the identity)
    Operand<TFloat64> widthDone = tf.concat(List.of(first(tf, hw), second(tf, newHw)), tf.constant(0));
    Operand<TFloat32> pixels = pass(tf, batch, widthDone, hw, interpolation);
    pixels = pass(tf, pixels, newHw, widthDone, interpolation);
    pixels = tf.squeeze(pixels);
    // CenterCrop offsets round half to even, like Python's round()
    Operand<TInt32> offset = tf.dtypes.cast(tf.math.rint(tf.math.div(
        tf.math.sub(newHw, tf.constant((double) crop)), tf.constant(2.0))), TInt32.class);
    Operand<TInt32> begin = tf.concat(List.of(offset, tf.constant(new int[] {0})), tf.constant(0));
    return tf.slice(pixels, begin, tf.constant(new int[] {crop, crop, 3}));
  }

  /** One antialiased resize of [1, h, w, 3] from {@code fromHw} to {@code toHw}, rounded and clipped to 0..255. */
  private static Operand<TFloat32> pass(Ops tf, Operand<TFloat32> image, Operand<TFloat64> toHw,
      Operand<TFloat64> fromHw, Interpolation interpolation) {
    Operand<TFloat32> scale = tf.dtypes.cast(tf.math.div(toHw, fromHw), TFloat32.class);
    Operand<TFloat32> resized = tf.image.scaleAndTranslate(image, tf.dtypes.cast(toHw, TInt32.class), scale,
        tf.constant(new float[] {0f, 0f}), ScaleAndTranslate.kernelType(kernel(interpolation)),
        ScaleAndTranslate.antialias(true));
    return tf.clipByValue(tf.math.round(resized), tf.constant(0f), tf.constant(255f));
  }

  private static Operand<TFloat64> first(Ops tf, Operand<TFloat64> pair) {
    return tf.slice(pair, tf.constant(new int[] {0}), tf.constant(new int[] {1}));
  }

  private static Operand<TFloat64> second(Ops tf, Operand<TFloat64> pair) {
    return tf.slice(pair, tf.constant(new int[] {1}), tf.constant(new int[] {1}));
  }

  private static String kernel(Interpolation interpolation) {
    return switch (interpolation) {
      case BILINEAR -> "triangle";
      case BICUBIC -> "keyscubic";
    };
  }
}
