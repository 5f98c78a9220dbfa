package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code metrics.csv}: one row per phase (epoch, stage, phase, loss, acc, seconds, images, then
 * the learning rate of each named group, empty where a group is not in the current stage).
 * Appends, so a resumed run continues the same file.
 */
public final class CsvLogger implements Callback {
  private final Path file;
  private final List<String> groupNames;

  /** @param groupNames every group name of every stage, in column order */
  public CsvLogger(Path file, List<String> groupNames) throws IOException {
    this.file = file;
    this.groupNames = List.copyOf(groupNames);
    if (!Files.exists(file)) {
      List<String> header = new ArrayList<>(List.of("epoch", "stage", "phase", "loss", "acc", "seconds", "images"));
      groupNames.forEach(g -> header.add("lr_" + g));
      Files.writeString(file, String.join(",", header) + "\n");
    }
  }

  @Override
  public void onPhaseEnd(Trainer trainer, EpochMetrics m) {
    List<String> cells = new ArrayList<>(List.of(String.valueOf(m.epoch()), String.valueOf(trainer.state().stage()),
        m.phase().label(), fmt(m.loss()), fmt(m.accuracy()), String.format(Locale.ROOT, "%.3f", m.seconds()),
        String.valueOf(m.images())));
    List<ParamGroup> groups = trainer.setup().groups();
    for (String name : groupNames) {
      String cell = "";
      for (int i = 0; i < groups.size() && i < m.learningRates().size(); i++) {
        if (groups.get(i).name().equals(name)) {
          cell = fmt(m.learningRates().get(i));
        }
      }
      cells.add(cell);
    }
    try {
      Files.writeString(file, String.join(",", cells) + "\n", StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot append metrics", e);
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
