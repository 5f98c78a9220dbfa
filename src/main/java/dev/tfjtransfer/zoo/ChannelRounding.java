package dev.tfjtransfer.zoo;

/** torchvision's {@code _make_divisible}, from TF's slim MobileNet: channel counts the width multipliers give. */
final class ChannelRounding {
  private ChannelRounding() {}

  /** {@code v} rounded to the nearest multiple of {@code divisor} (at least divisor), not more than 10% below v. */
  static int makeDivisible(double v, int divisor) {
    int rounded = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
    return rounded < 0.9 * v ? rounded + divisor : rounded;
  }
}
