package dev.tfjtransfer.train.callbacks;

import dev.tfjtransfer.train.Callback;
import dev.tfjtransfer.train.EpochMetrics;
import dev.tfjtransfer.train.Trainer;
import dev.tfjtransfer.util.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** {@code loss.png} and {@code accuracy.png}: train and val curves per epoch, redrawn after each epoch. */
public final class CurvePlots implements Callback {
  private final Path dir;
  private final List<EpochMetrics> rows = new ArrayList<>();

  /** @param previous rows of earlier runs of this directory (resume), may be empty */
  public CurvePlots(Path dir, List<EpochMetrics> previous) {
    this.dir = dir;
    rows.addAll(previous);
  }

  @Override
  public void onPhaseEnd(Trainer trainer, EpochMetrics metrics) {
    rows.add(metrics);
  }

  @Override
  public boolean onEpochEnd(Trainer trainer, EpochMetrics train, EpochMetrics val) {
    draw("loss", EpochMetrics::loss);
    draw("accuracy", EpochMetrics::accuracy);
    return false;
  }

  private void draw(String name, ToDoubleFunction<EpochMetrics> value) {
    XYChart chart = new XYChartBuilder().width(720).height(440).title(name).xAxisTitle("epoch").yAxisTitle(name)
        .build();
    chart.getStyler().setMarkerSize(6);
    for (EpochMetrics.Phase phase : EpochMetrics.Phase.values()) {
      List<EpochMetrics> series = rows.stream().filter(r -> r.phase() == phase).toList();
      if (series.isEmpty()) {
        continue;
      }
      double[] x = series.stream().mapToDouble(EpochMetrics::epoch).toArray();
      double[] y = series.stream().mapToDouble(value).toArray();
      chart.addSeries(phase.label(), x, y).setMarker(SeriesMarkers.CIRCLE);
    }
    Path target = dir.resolve(name + ".png");
    try {
      AtomicFiles.write(target, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
