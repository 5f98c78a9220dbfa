#!/usr/bin/python3
"""The first batch bench/compare_training.py's torch side trains on when it replays a `train-draws`
dump (its ReplayedSamples / ReplayedBatches loader, torchvision's resized_crop and hflip): writes
the input tensor to OUT as float32 little-endian NCHW and prints the labels on one line.

Usage: /usr/bin/python3 replay_first_batch.py DUMP.json OUT
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import compare_training  # noqa: E402

with open(sys.argv[1]) as f:
    dump = json.load(f)
inputs, labels = next(iter(compare_training.replay_loader(dump, 0)))
with open(sys.argv[2], "wb") as f:
    f.write(inputs.numpy().astype("<f4").tobytes())
print(" ".join(str(int(x)) for x in labels))
