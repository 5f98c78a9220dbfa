package dev.tfjtransfer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * fastai's learning-rate range test ({@code Learner.lr_find}): training batch i (from 0) runs at
 * start * (end / start)^(i / numIt) on every group; the loss is smoothed as fastai's Recorder does
 * (an exponential average with beta 0.98, divided by 1 - beta^n); the test stops after numIt
 * batches or, with {@code stopDiv}, once the smoothed loss exceeds 4x its minimum. The suggestions
 * are computed, as fastai does, on the points from numIt / 10 to the fifth-last: 'steep' is the
 * rate where the smoothed loss falls fastest against log(lr), 'valley' fastai's longest-valley
 * rule. {@link Trainer#findLearningRate} runs it and leaves weights and optimizer state as they
 * were.
 */
public final class LrFinder {
  private static final double BETA = 0.98;

  private LrFinder() {}

  /** fastai's arguments; numIt below 6 becomes 6, as there. */
  public record Options(double startLr, double endLr, int numIt, boolean stopDiv) {
    public Options {
      if (!(startLr > 0) || !(endLr > startLr)) {
        throw new IllegalArgumentException("lr-find needs 0 < start_lr < end_lr; received: start_lr=" + startLr
            + ", end_lr=" + endLr);
      }
      numIt = Math.max(6, numIt);
    }

    /** fastai's defaults: 1e-7 to 10 over 100 batches, stopping on divergence. */
    public static Options defaults() {
      return new Options(1e-7, 10, 100, true);
    }

    /** The rate of batch {@code i}. */
    public double lr(int i) {
      return startLr * Math.pow(endLr / startLr, (double) i / numIt);
    }
  }

  /**
   * What the sweep saw: per batch the rate, the raw and the smoothed loss; the suggestions (NaN
   * when too few points remain to suggest anything).
   */
  public record Result(List<Double> lrs, List<Double> rawLosses, List<Double> losses, double steep, double valley) {
    public Result {
      lrs = List.copyOf(lrs);
      rawLosses = List.copyOf(rawLosses);
      losses = List.copyOf(losses);
    }
  }

  /** fastai's AvgSmoothLoss value after each loss: lerp with beta, debiased by 1 - beta^n. */
  public static List<Double> smooth(List<Double> raw) {
    List<Double> out = new ArrayList<>();
    double value = 0;
    for (int n = 1; n <= raw.size(); n++) {
      value = raw.get(n - 1) + BETA * (value - raw.get(n - 1));
      out.add(value / (1 - Math.pow(BETA, n)));
    }
    return out;
  }

  /** The suggestions from a finished sweep. */
  static Result result(Options options, List<Double> lrs, List<Double> raw) {
    List<Double> losses = smooth(raw);
    int from = options.numIt() / 10;
    int to = lrs.size() - 5;
    // fastai drops everything from the first NaN on
    for (int i = from; i < to; i++) {
      if (Double.isNaN(losses.get(i))) {
        to = i;
      }
    }
    if (to - from < 2) {
      return new Result(lrs, raw, losses, Double.NaN, Double.NaN);
    }
    List<Double> l = lrs.subList(from, to);
    List<Double> y = losses.subList(from, to);
    return new Result(lrs, raw, losses, steep(l, y), valley(l, y));
  }

  /** fastai's steep: the rate at the most negative d loss / d log(lr) between neighbours. */
  public static double steep(List<Double> lrs, List<Double> losses) {
    int best = 0;
    double bestSlope = Double.POSITIVE_INFINITY;
    for (int i = 0; i + 1 < lrs.size(); i++) {
      double slope = (losses.get(i + 1) - losses.get(i)) / (Math.log(lrs.get(i + 1)) - Math.log(lrs.get(i)));
      if (slope < bestSlope) {
        bestSlope = slope;
        best = i;
      }
    }
    return lrs.get(best);
  }

  /**
   * fastai's valley: the longest run of decreasing losses (longest decreasing subsequence ending
   * at each point), and the point a third plus a sixth of the way along it.
   */
  public static double valley(List<Double> lrs, List<Double> losses) {
    int n = losses.size();
    int maxStart = 0;
    int maxEnd = 0;
    int[] lengths = new int[n];
    java.util.Arrays.fill(lengths, 1);
    for (int i = 1; i < n; i++) {
      for (int j = 0; j < i; j++) {
        if (losses.get(i) < losses.get(j) && lengths[i] < lengths[j] + 1) {
          lengths[i] = lengths[j] + 1;
        }
        if (lengths[maxEnd] < lengths[i]) {
          maxEnd = i;
          maxStart = maxEnd - lengths[maxEnd];
        }
      }
    }
    double sections = (maxEnd - maxStart) / 3.0;
    int index = maxStart + (int) sections + (int) (sections / 2);
    return lrs.get(index);
  }

  /** Writes loss against learning rate (log scale) with the suggestions marked, through a temporary file. */
  public static void plot(Result result, Path png) throws IOException {
    XYChart chart = new XYChartBuilder().width(720).height(440).title("lr-find").xAxisTitle("learning rate")
        .yAxisTitle("smoothed loss").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(8);
    // fastai's plot leaves out the last five points, where the loss shoots up
    int shown = Math.max(1, result.lrs().size() - 5);
    chart.addSeries("loss", result.lrs().subList(0, shown), result.losses().subList(0, shown))
        .setMarker(SeriesMarkers.NONE);
    for (String name : List.of("steep", "valley")) {
      double lr = name.equals("steep") ? result.steep() : result.valley();
      if (Double.isFinite(lr)) {
        int i = result.lrs().indexOf(lr);
        chart.addSeries(name + String.format(java.util.Locale.ROOT, " %.2e", lr), List.of(lr),
            List.of(result.losses().get(i))).setMarker(SeriesMarkers.CIRCLE);
      }
    }
    Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
    BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
    Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
