package dev.tfjtransfer.data;

/** What a loader does with a file it cannot decode. */
public enum BadImagePolicy {
  /** Leave it out of its batch, log one warning line naming it, and count it. */
  SKIP,
  /** Stop with an error naming the file. */
  FAIL
}
