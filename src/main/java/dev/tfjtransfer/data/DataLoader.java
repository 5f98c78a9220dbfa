package dev.tfjtransfer.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * torch's DataLoader for map-style datasets: batches assembled on {@code workers} threads with at
 * most {@code prefetch} batches in flight, each image decoded and transformed straight into the
 * batch's float buffer. Order and augmentation are deterministic for a seed: the epoch's
 * permutation comes from (seed, epoch) and each sample's random crops and flips from
 * (seed, epoch, index), whatever thread runs it.
 */
public final class DataLoader implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.tfjtransfer.data");

  private final Dataset dataset;
  private final Pipeline pipeline;
  private final int batchSize;
  private final boolean shuffle;
  private final boolean dropLast;
  private final int prefetch;
  private final long seed;
  private final BadImagePolicy badImages;
  private final WeightedRandomSampler sampler;
  private final ExecutorService workers;
  private final Set<Integer> skipped = ConcurrentHashMap.newKeySet();
  /**
   * Images of an ImageFolder kept after their first epoch, so later epochs skip the work that
   * repeats: the decoded files under a random pipeline, the transformed images under a
   * deterministic one (validation). At most one of the two exists; neither for in-memory datasets
   * or a zero budget.
   */
  private final ImageCache decodedImages;
  private final ImageCache transformedImages;

  private DataLoader(Builder b) {
    this.dataset = b.dataset;
    this.pipeline = b.pipeline;
    this.batchSize = b.batchSize;
    this.shuffle = b.shuffle;
    this.dropLast = b.dropLast;
    // at least one batch in flight per worker, or workers would idle
    this.prefetch = Math.max(Math.max(1, b.prefetch), b.workers);
    this.seed = b.seed;
    this.badImages = b.badImages;
    this.sampler = b.sampler;
    ImageCache cache = b.cacheBytes > 0 && dataset instanceof ImageFolder ? new ImageCache(b.cacheBytes) : null;
    this.transformedImages = pipeline.isDeterministic() ? cache : null;
    this.decodedImages = pipeline.isDeterministic() ? null : cache;
    this.workers = b.workers == 0 ? null : Executors.newFixedThreadPool(b.workers, r -> {
      Thread t = new Thread(r, "data-loader");
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder(Dataset dataset, Pipeline pipeline) {
    return new Builder(dataset, pipeline);
  }

  public Dataset dataset() {
    return dataset;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  public int batchSize() {
    return batchSize;
  }

  public int batchesPerEpoch() {
    int n = samplesPerEpoch();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The dataset's size, or the sampler's num_samples. */
  public int samplesPerEpoch() {
    return sampler == null ? dataset.size() : sampler.numSamples();
  }

  /** Distinct images left out so far because they could not be decoded. */
  public int skippedImages() {
    return skipped.size();
  }

  /** The sample indices of each batch of epoch {@code epoch}, in the order {@link #epoch} yields them. */
  public List<int[]> batchIndices(int epoch) {
    int[] order = order(epoch);
    List<int[]> batches = new ArrayList<>();
    for (int b = 0; b < batchesPerEpoch(); b++) {
      int from = b * batchSize;
      batches.add(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize)));
    }
    return batches;
  }

  /**
   * The samples at {@code indices} as one batch (with epoch 0's augmentation) under the loader's
   * bad-image policy: for anything else that shows images, such as a grid of predictions.
   */
  public Batch load(int[] indices) {
    return assemble(0, indices, 0, TestTimeAugmentation.NONE);
  }

  /** The batches of epoch {@code epoch} (0-based); close the iterator to cancel prefetching. */
  public Epoch epoch(int epoch) {
    return new Epoch(epoch, TestTimeAugmentation.NONE);
  }

  /**
   * The batches of epoch {@code epoch} with each sample as its {@code tta.views()} test-time views,
   * consecutive in the batch ({@link Batch#views()}); the pipeline must be deterministic.
   */
  public Epoch epoch(int epoch, TestTimeAugmentation tta) {
    tta.checkApplicableTo(pipeline);
    return new Epoch(epoch, tta);
  }

  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
  }

  private int[] order(int epoch) {
    if (sampler != null) {
      return sampler.draw(new SplittableRandom(mix(seed, epoch, -2)));
    }
    int[] order = new int[dataset.size()];
    Arrays.setAll(order, i -> i);
    if (shuffle) {
      SplittableRandom random = new SplittableRandom(mix(seed, epoch, -1));
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /**
   * @param firstPosition where the batch starts in the epoch's order ({@link #sampleRandom})
   */
  private Batch assemble(int epoch, int[] indices, int firstPosition, TestTimeAugmentation tta) {
    int per = pipeline.floatsPerImage() * tta.views();
    float[] images = new float[indices.length * per];
    int[] labels = new int[indices.length];
    int[] kept = new int[indices.length];
    int n = 0;
    for (int k = 0; k < indices.length; k++) {
      int index = indices[k];
      if (tta == TestTimeAugmentation.NONE) {
        SplittableRandom random = sampleRandom(epoch, firstPosition + k, index);
        RgbImage transformed = transformedOrSkip(index, random);
        if (transformed == null) {
          continue;
        }
        pipeline.write(transformed, random, images, n * per);
      } else {
        RgbImage image = readOrSkip(index);
        if (image == null) {
          continue;
        }
        tta.write(image, pipeline, images, n * per);
      }
      labels[n] = dataset.label(index);
      kept[n] = index;
      n++;
    }
    if (n == indices.length) {
      return new Batch(images, labels, kept, pipeline.size(), tta.views());
    }
    return new Batch(images, Arrays.copyOf(labels, n), Arrays.copyOf(kept, n), pipeline.size(), tta.views());
  }

  /**
   * Sample {@code index} through the pipeline's image steps (what ToTensor receives), kept between
   * epochs when the pipeline is deterministic; null when it is unreadable and the policy skips it.
   */
  private RgbImage transformedOrSkip(int index, SplittableRandom random) {
    RgbImage kept = transformedImages == null ? null : transformedImages.get(index);
    if (kept != null) {
      return kept;
    }
    RgbImage image = readOrSkip(index);
    if (image == null) {
      return null;
    }
    RgbImage transformed = pipeline.transform(image, random);
    if (transformedImages != null) {
      transformedImages.offer(index, transformed);
    }
    return transformed;
  }

  /**
   * Sample {@code index} decoded (kept between epochs for a random pipeline), or null when it is
   * unreadable and the policy skips it.
   */
  private RgbImage readOrSkip(int index) {
    RgbImage kept = decodedImages == null ? null : decodedImages.get(index);
    if (kept != null) {
      return kept;
    }
    try {
      RgbImage image = dataset.image(index);
      if (decodedImages != null) {
        decodedImages.offer(index, image);
      }
      return image;
    } catch (IOException e) {
      if (badImages == BadImagePolicy.FAIL) {
        throw new UncheckedIOException(e);
      }
      if (skipped.add(index)) { // one warning per file, not one per epoch
        LOG.log(System.Logger.Level.WARNING, "skipping unreadable image: " + e.getMessage());
      }
      return null;
    }
  }

  /**
   * The random source of the sample at {@code position} of epoch {@code epoch}'s order. With a
   * sampler the same sample can be drawn twice, and each draw gets its own augmentation.
   */
  private SplittableRandom sampleRandom(int epoch, int position, int index) {
    long key = sampler == null ? index : (long) position * dataset.size() + index;
    return new SplittableRandom(mix(seed, epoch, key));
  }

  /**
   * One sample of an epoch as {@link #epoch} yields it: its batch (0-based), dataset index, label,
   * where it comes from ({@link Dataset#describe}, the file of an {@link ImageFolder}) and the
   * draws of the pipeline's random steps.
   */
  public record SampleDraws(int batch, int index, int label, String source, List<Pipeline.Draw> draws) {}

  /**
   * Epoch {@code epoch}'s samples in the order its batches hold them, each with the augmentation
   * draws it gets there, computed by the same code as the batches (so another framework can replay
   * the epoch exactly). Unreadable images are left out as the batches leave them out. Needs a
   * pipeline whose every draw is reported ({@link Pipeline#reportsEveryDraw}).
   */
  public List<SampleDraws> draws(int epoch) {
    if (!pipeline.reportsEveryDraw()) {
      throw new IllegalArgumentException("the pipeline has random steps whose draws cannot be reported (only "
          + "RandomOp image steps can; no tensor steps such as random_erasing): " + pipeline.steps());
    }
    List<SampleDraws> samples = new ArrayList<>();
    List<int[]> batches = batchIndices(epoch);
    for (int b = 0; b < batches.size(); b++) {
      int[] indices = batches.get(b);
      for (int k = 0; k < indices.length; k++) {
        int index = indices[k];
        RgbImage image = readOrSkip(index);
        if (image == null) {
          continue;
        }
        List<Pipeline.Draw> draws = new ArrayList<>();
        pipeline.transform(image, sampleRandom(epoch, b * batchSize + k, index), draws::add);
        samples.add(new SampleDraws(b, index, dataset.label(index), dataset.describe(index),
            List.copyOf(draws)));
      }
    }
    return samples;
  }

  private static long mix(long seed, int epoch, long index) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    return h ^ (h >>> 31);
  }

  /**
   * One pass over the dataset. A batch whose every image was skipped as unreadable is left out,
   * so no consumer sees an empty batch; a pass in which no image at all was readable is an error.
   */
  public final class Epoch implements Iterator<Batch>, AutoCloseable {
    private final int epoch;
    private final TestTimeAugmentation tta;
    private final int[] order;
    private final int batches;
    private final Deque<Future<Batch>> inFlight = new ArrayDeque<>();
    private int submitted;
    private int assembled;
    private int yielded;
    /** The next batch with at least one image, read ahead by {@link #hasNext}. */
    private Batch ahead;

    private Epoch(int epoch, TestTimeAugmentation tta) {
      this.epoch = epoch;
      this.tta = tta;
      this.order = order(epoch);
      this.batches = batchesPerEpoch();
      if (workers != null) {
        while (submitted < batches && inFlight.size() < prefetch) {
          submit();
        }
      }
    }

    private int[] indicesOf(int batch) {
      int from = batch * batchSize;
      return Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
    }

    private void submit() {
      int batch = submitted++;
      int[] indices = indicesOf(batch);
      inFlight.add(workers.submit(() -> assemble(epoch, indices, batch * batchSize, tta)));
    }

    @Override
    public boolean hasNext() {
      while (ahead == null && assembled < batches) {
        Batch batch = nextAssembled();
        if (batch.size() > 0) {
          ahead = batch;
        }
      }
      if (ahead == null && yielded == 0 && batches > 0) {
        throw new UncheckedIOException(new IOException("none of the " + dataset.size() + " images could be read"
            + " (the first: " + dataset.describe(order[0]) + "); each was skipped as unreadable"));
      }
      return ahead != null;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Batch batch = ahead;
      ahead = null;
      yielded++;
      return batch;
    }

    private Batch nextAssembled() {
      assembled++;
      if (workers == null) {
        return assemble(epoch, indicesOf(assembled - 1), (assembled - 1) * batchSize, tta);
      }
      Future<Batch> head = inFlight.poll();
      if (submitted < batches) {
        submit();
      }
      try {
        return head.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while loading a batch", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IllegalStateException(e.getCause());
      }
    }

    @Override
    public void close() {
      inFlight.forEach(f -> f.cancel(true));
      inFlight.clear();
    }
  }

  /** Builder: dataset and pipeline required; batch 32, no shuffle, keep last, 0 workers by default. */
  public static final class Builder {
    private final Dataset dataset;
    private final Pipeline pipeline;
    private int batchSize = 32;
    private boolean shuffle;
    private boolean dropLast;
    private int workers;
    private int prefetch = 2;
    private long seed;
    private BadImagePolicy badImages = BadImagePolicy.SKIP;
    private WeightedRandomSampler sampler;
    private long cacheBytes = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 16);

    private Builder(Dataset dataset, Pipeline pipeline) {
      this.dataset = dataset;
      this.pipeline = pipeline;
    }

    public Builder optBatchSize(int batchSize) {
      if (batchSize <= 0) {
        throw new IllegalArgumentException("batch size must be positive; received: batch_size=" + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    public Builder optDropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Worker threads; 0 loads on the caller's thread. */
    public Builder optWorkers(int workers) {
      if (workers < 0) {
        throw new IllegalArgumentException("workers must be >= 0; received: workers=" + workers);
      }
      this.workers = workers;
      return this;
    }

    /** Batches in flight ahead of the consumer (at least 1). */
    public Builder optPrefetch(int prefetch) {
      this.prefetch = prefetch;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Bytes of images an ImageFolder loader keeps between epochs (decoded files, or transformed
     * images for a deterministic pipeline); 0 keeps none. Default: 256 MB or 1/16 of the heap,
     * whichever is smaller.
     */
    public Builder optCacheBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("cache bytes must be >= 0; received: " + bytes);
      }
      this.cacheBytes = bytes;
      return this;
    }

    public Builder optBadImages(BadImagePolicy policy) {
      this.badImages = policy;
      return this;
    }

    /** Draws each epoch's samples with this sampler instead of a permutation (shuffle is then moot). */
    public Builder optSampler(WeightedRandomSampler sampler) {
      this.sampler = sampler;
      return this;
    }

    public DataLoader build() {
      if (dataset.size() == 0) {
        throw new IllegalArgumentException("the dataset is empty");
      }
      if (sampler != null && sampler.size() != dataset.size()) {
        throw new IllegalArgumentException("the sampler has " + sampler.size() + " weights for " + dataset.size()
            + " samples");
      }
      return new DataLoader(this);
    }
  }
}
