package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.data.RgbImage;
import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.util.Directories;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.WriteImageSummary;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * TensorBoard event files written with TensorFlow's own summary ops, laid out as Keras' callback
 * lays them out: {@code <dir>/train} and {@code <dir>/validation}, scalars {@code epoch_loss} and
 * {@code epoch_accuracy} per epoch, {@code learning_rate/<group>} in train, and images. Uses its
 * own small graph and session, apart from the model's.
 */
public final class TensorBoardLogger implements Callback, AutoCloseable {
  private final Graph graph = new Graph();
  private final Session session;
  private final Writer train;
  private final Writer validation;

  /** One event file writer and its ops. */
  private record Writer(Op create, Op flush, Op close, Placeholder<TInt64> step, Placeholder<TString> tag,
      Placeholder<TFloat32> value, Op writeScalar, Placeholder<TUint8> image, Op writeImage) {}

  public TensorBoardLogger(Path dir) throws IOException {
    // created here, where a failure can name the directory; TensorFlow's own error would not
    Directories.create(dir.resolve("train"));
    Directories.create(dir.resolve("validation"));
    Ops tf = Ops.create(graph);
    session = new Session(graph);
    train = writer(tf.withSubScope("train"), dir.resolve("train"), "train");
    validation = writer(tf.withSubScope("validation"), dir.resolve("validation"), "validation");
    session.runner().addTarget(train.create()).addTarget(validation.create()).run().close();
  }

  private static Writer writer(Ops tf, Path dir, String name) {
    Operand<?> handle = tf.summary.summaryWriter(org.tensorflow.op.summary.SummaryWriter.sharedName(name));
    Op create = tf.summary.createSummaryFileWriter(handle, tf.constant(dir.toAbsolutePath().toString()),
        tf.constant(10), tf.constant(1000), tf.constant(".v2"));
    Placeholder<TInt64> step = tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
    Placeholder<TString> tag = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    Placeholder<TFloat32> value = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    Placeholder<TUint8> image = tf.placeholder(TUint8.class, Placeholder.shape(Shape.of(1, -1, -1, 3)));
    Op writeScalar = tf.summary.writeScalarSummary(handle, step, tag, value);
    Op writeImage = tf.summary.writeImageSummary(handle, step, tag, image,
        tf.constant(new byte[] {(byte) 255, 0, 0, (byte) 255}), WriteImageSummary.maxImages(1L));
    return new Writer(create, tf.summary.flushSummaryWriter(handle), tf.summary.closeSummaryWriter(handle), step, tag,
        value, writeScalar, image, writeImage);
  }

  @Override
  public void onPhaseEnd(Trainer trainer, EpochMetrics m) {
    Writer w = m.phase() == EpochMetrics.Phase.TRAIN ? train : validation;
    scalar(w, m.epoch(), "epoch_loss", m.loss());
    scalar(w, m.epoch(), "epoch_accuracy", m.accuracy());
    if (m.hasTta()) {
      scalar(w, m.epoch(), "epoch_tta_loss", m.ttaLoss());
      scalar(w, m.epoch(), "epoch_tta_accuracy", m.ttaAccuracy());
    }
    List<ParamGroup> groups = trainer.setup() == null ? List.of() : trainer.setup().groups();
    for (int i = 0; i < m.learningRates().size() && i < groups.size(); i++) {
      scalar(w, m.epoch(), "learning_rate/" + groups.get(i).name(), m.learningRates().get(i));
    }
    session.runner().addTarget(w.flush()).run().close();
  }

  /** Adds an image (e.g. the training batch grid) to the train run at {@code step}. */
  public void image(String tag, long step, RgbImage image) {
    try (TInt64 s = TInt64.scalarOf(step); TString t = TString.scalarOf(tag);
        TUint8 pixels = TUint8.tensorOf(Shape.of(1, image.height(), image.width(), 3))) {
      pixels.asRawTensor().data().write(image.pixels());
      session.runner().feed(train.step(), s).feed(train.tag(), t).feed(train.image(), pixels)
          .addTarget(train.writeImage()).addTarget(train.flush()).run().close();
    }
  }

  private void scalar(Writer w, long step, String tag, double value) {
    try (TInt64 s = TInt64.scalarOf(step); TString t = TString.scalarOf(tag);
        TFloat32 v = TFloat32.scalarOf((float) value)) {
      session.runner().feed(w.step(), s).feed(w.tag(), t).feed(w.value(), v).addTarget(w.writeScalar()).run().close();
    }
  }

  @Override
  public void close() {
    session.runner().addTarget(train.close()).addTarget(validation.close()).run().close();
    session.close();
    graph.close();
  }
}
