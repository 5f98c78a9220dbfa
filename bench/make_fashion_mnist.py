#!/usr/bin/python3
"""Builds the Fashion-MNIST ImageFolder datasets of bench/compare_training.py from Debian's
`dataset-fashion-mnist` package (apt-get install dataset-fashion-mnist; its IDX files are in
/usr/share/datasets/fashion-mnist).

Every image: 28x28 gray -> RGB -> 96x96 (PIL bilinear) -> JPEG quality 92. Class directories are
named "<label>-<name>" so that sorted order (ImageFolder's, on both sides) is Fashion-MNIST's label order.
  OUT/all/train/<class>/       the first 100 images of each of the 10 classes in the train set
  OUT/all/val/<class>/         the first 50 of each class in t10k
  OUT/transfer/{train,val}/    the same images, classes 5-9 only (the transfer target)
  OUT/pretrain/{train,val}/    classes 0-4 only: the train set's images 100..100+N of each class (none
                               of them in all/train) and t10k's first 50, for the torch pretraining run

Usage: /usr/bin/python3 bench/make_fashion_mnist.py OUT [--pretrain-per-class 500] [--source DIR]
Writes into OUT/.tmp-* and renames, so an interrupted run leaves no half-built split; an existing
split is kept as it is.
"""
import argparse
import gzip
import os
import shutil
import struct
import sys

import numpy as np
from PIL import Image

NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
SIZE = 96


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = struct.unpack(">" + "I" * (1 + dims), data[:4 * (1 + dims)])
    if header[0] != magic:
        sys.exit(f"{path}: not an IDX file with magic {magic:#x} (found {header[0]:#x})")
    return np.frombuffer(data, dtype=np.uint8, offset=4 * (1 + dims)).reshape(header[1:])


def load(source, split):
    images = read_idx(os.path.join(source, f"{split}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(source, f"{split}-labels-idx1-ubyte.gz"), 0x801, 1)
    return images, labels


def class_dir(label):
    return f"{label}-{NAMES[label]}"


def pick(labels, classes, start, count):
    """Indices of images start..start+count-1 (in file order) of each class."""
    chosen = []
    for c in classes:
        indices = np.flatnonzero(labels == c)
        if len(indices) < start + count:
            sys.exit(f"class {c} has only {len(indices)} images; need {start + count}")
        chosen.extend((c, int(i)) for i in indices[start:start + count])
    return chosen


def write_split(out, images, chosen):
    for c, i in chosen:
        folder = os.path.join(out, class_dir(c))
        os.makedirs(folder, exist_ok=True)
        img = Image.fromarray(images[i], mode="L").convert("RGB").resize((SIZE, SIZE), Image.BILINEAR)
        img.save(os.path.join(folder, f"{i:05d}.jpg"), quality=92)


def build(out, name, parts):
    """parts: {"train": (images, chosen), "val": (images, chosen)} written to OUT/name atomically."""
    target = os.path.join(out, name)
    if os.path.isdir(target):
        print(f"{target}: exists, kept", file=sys.stderr)
        return
    tmp = os.path.join(out, f".tmp-{name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    for split, (images, chosen) in parts.items():
        write_split(os.path.join(tmp, split), images, chosen)
    os.replace(tmp, target)
    counts = ", ".join(f"{split} {len(chosen)}" for split, (_, chosen) in parts.items())
    print(f"{target}: {counts} images", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--pretrain-per-class", type=int, default=500)
    args = p.parse_args()
    if not os.path.isdir(args.source):
        sys.exit(f"{args.source}: missing; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
    os.makedirs(args.out, exist_ok=True)
    train_images, train_labels = load(args.source, "train")
    test_images, test_labels = load(args.source, "t10k")
    everything, first_half, second_half = range(10), range(5), range(5, 10)
    build(args.out, "all", {"train": (train_images, pick(train_labels, everything, 0, 100)),
                            "val": (test_images, pick(test_labels, everything, 0, 50))})
    build(args.out, "transfer", {"train": (train_images, pick(train_labels, second_half, 0, 100)),
                                 "val": (test_images, pick(test_labels, second_half, 0, 50))})
    build(args.out, "pretrain", {"train": (train_images, pick(train_labels, first_half, 100, args.pretrain_per_class)),
                                 "val": (test_images, pick(test_labels, first_half, 0, 50))})


if __name__ == "__main__":
    main()
