package dev.tfjtransfer.djl;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads a tfj-transfer SavedModel export with DJL's TensorFlow engine, offline, and prints the
 * top-k classes of each image as one JSON line. With {@code --expect FILE} (the project's
 * {@code predict --run} output for the same images) it also checks that both agree on the top-1
 * class and that probabilities differ by at most {@code --tolerance}, and exits 1 if not.
 *
 * <p>Usage: ClassifyWithDjl VERSION_DIR IMAGES_DIR [--top K] [--expect FILE] [--tolerance T]
 */
public final class ClassifyWithDjl {
  private static final Pattern TOP1 = Pattern.compile("\"file\":\"([^\"]+)\",\"top\":\\[\\{\"index\":(\\d+),\"prob\":([0-9.eE-]+)");

  private ClassifyWithDjl() {}

  public static void main(String[] args) throws Exception {
    Path modelDir = Path.of(args[0]);
    Path images = Path.of(args[1]);
    int top = 3;
    Path expect = null;
    double tolerance = 0.05;
    for (int i = 2; i < args.length; i += 2) {
      switch (args[i]) {
        case "--top" -> top = Integer.parseInt(args[i + 1]);
        case "--expect" -> expect = Path.of(args[i + 1]);
        case "--tolerance" -> tolerance = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<String> classNames = Files.readAllLines(modelDir.resolve("assets.extra/class_names.txt")).stream()
        .filter(s -> !s.isBlank()).toList();
    Criteria<Image, Classifications> criteria = Criteria.builder()
        .setTypes(Image.class, Classifications.class)
        .optModelPath(modelDir)
        .optEngine("TensorFlow")
        .optOption("Tags", "serve")
        .optOption("SignatureDefKey", "serving_default")
        .optTranslator(new ServingTranslator(classNames))
        .build();
    List<Path> files;
    try (Stream<Path> list = Files.list(images)) {
      files = list.filter(Files::isRegularFile).sorted().toList();
    }
    Map<String, Classifications> results = new LinkedHashMap<>();
    try (ZooModel<Image, Classifications> model = criteria.loadModel();
        Predictor<Image, Classifications> predictor = model.newPredictor()) {
      for (Path file : files) {
        Classifications c = predictor.predict(ImageFactory.getInstance().fromFile(file));
        results.put(file.getFileName().toString(), c);
        System.out.println(toJson(file.getFileName().toString(), c, classNames, top));
      }
    }
    if (expect != null) {
      System.exit(compare(results, classNames, Files.readAllLines(expect), tolerance) ? 0 : 1);
    }
  }

  private static String toJson(String file, Classifications c, List<String> classNames, int top) {
    List<String> entries = new ArrayList<>();
    for (Classifications.Classification item : c.topK(top)) {
      entries.add(String.format(Locale.ROOT, "{\"index\":%d,\"prob\":%.6f,\"class\":\"%s\"}",
          classNames.indexOf(item.getClassName()), item.getProbability(), item.getClassName()));
    }
    return "{\"file\":\"" + file + "\",\"top\":[" + String.join(",", entries) + "]}";
  }

  /** Top-1 must agree; the top-1 probability must be within {@code tolerance}. */
  private static boolean compare(Map<String, Classifications> djl, List<String> classNames, List<String> expected,
      double tolerance) {
    int compared = 0;
    int mismatches = 0;
    double worst = 0;
    for (String line : expected) {
      Matcher m = TOP1.matcher(line);
      if (!m.find()) {
        continue;
      }
      Classifications c = djl.get(m.group(1));
      if (c == null) {
        System.err.println("DJL has no result for " + m.group(1));
        mismatches++;
        continue;
      }
      compared++;
      String expectedClass = classNames.get(Integer.parseInt(m.group(2)));
      double expectedProb = Double.parseDouble(m.group(3));
      Classifications.Classification best = c.best();
      double diff = Math.abs(c.get(expectedClass).getProbability() - expectedProb);
      worst = Math.max(worst, diff);
      if (!best.getClassName().equals(expectedClass) || diff > tolerance) {
        System.err.printf(Locale.ROOT, "%s: DJL top-1 %s (%.4f), predict top-1 %s (%.4f)%n", m.group(1),
            best.getClassName(), best.getProbability(), expectedClass, expectedProb);
        mismatches++;
      }
    }
    System.err.printf(Locale.ROOT, "DJL vs predict: %d images, %d mismatches, max |top-1 probability difference| %.4f%n",
        compared, mismatches, worst);
    return compared > 0 && mismatches == 0;
  }
}
