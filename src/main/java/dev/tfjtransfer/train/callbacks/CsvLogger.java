package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.data.TestTimeAugmentation;
import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.ParamGroup;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.util.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code metrics.csv}: one row per phase (epoch, stage, phase, loss, acc, seconds, images, then
 * the learning rate of each named group, empty where a group is not in the current stage; with
 * test-time augmentation in validation, {@code tta_loss} and {@code tta_acc} last, empty on train rows).
 * A resumed run continues the same file. Rewritten whole (through a temporary and a rename) after
 * each phase, so it never ends in half a row.
 */
public final class CsvLogger implements Callback {
  private final Path file;
  private final List<String> groupNames;
  private final boolean ttaColumns;
  private final List<String> lines;

  /** @param groupNames every group name of every stage, in column order */
  public CsvLogger(Path file, List<String> groupNames) throws IOException {
    this(file, groupNames, TestTimeAugmentation.NONE);
  }

  /** @param validationTta the validation's test-time augmentation: unless NONE, its loss and accuracy columns */
  public CsvLogger(Path file, List<String> groupNames, TestTimeAugmentation validationTta) throws IOException {
    this.file = file;
    this.groupNames = List.copyOf(groupNames);
    this.ttaColumns = validationTta != TestTimeAugmentation.NONE;
    if (Files.exists(file)) {
      lines = new ArrayList<>(Files.readAllLines(file));
    } else {
      List<String> header = new ArrayList<>(List.of("epoch", "stage", "phase", "loss", "acc", "seconds", "images"));
      groupNames.forEach(g -> header.add("lr_" + g));
      if (ttaColumns) {
        header.addAll(List.of("tta_loss", "tta_acc"));
      }
      lines = new ArrayList<>(List.of(String.join(",", header)));
      AtomicFiles.writeLines(file, lines);
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
    if (ttaColumns) {
      cells.add(m.hasTta() ? fmt(m.ttaLoss()) : "");
      cells.add(m.hasTta() ? fmt(m.ttaAccuracy()) : "");
    }
    lines.add(String.join(",", cells));
    try {
      AtomicFiles.writeLines(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
