package dev.tfjtransfer.data;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Images kept between epochs by index, up to a byte budget; once it is spent, further images are
 * simply not kept. Safe for the loader's worker threads. Images are never modified after they are
 * made (every transform writes a new one), so one can be handed out any number of times.
 */
final class ImageCache {
  private final ConcurrentHashMap<Integer, RgbImage> images = new ConcurrentHashMap<>();
  private final AtomicLong bytesLeft;

  ImageCache(long budgetBytes) {
    bytesLeft = new AtomicLong(budgetBytes);
  }

  /** The image kept for {@code index}, or null. */
  RgbImage get(int index) {
    return images.get(index);
  }

  /** Keeps {@code image} for {@code index} if the budget still allows it. */
  void offer(int index, RgbImage image) {
    long size = image.pixels().length;
    if (bytesLeft.addAndGet(-size) >= 0) {
      if (images.putIfAbsent(index, image) != null) {
        bytesLeft.addAndGet(size);
      }
    } else {
      bytesLeft.addAndGet(size);
    }
  }
}
