#!/usr/bin/python3
"""A small Keras-layout weights file (layer_names, weight_names, one float32 kernel) written by h5py,
for the tests that damage it byte by byte.

Usage: /usr/bin/python3 make_small_h5.py OUT_DIR
Needs Debian's python3-h5py.
"""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with h5py.File(os.path.join(out, "small.h5"), "w") as f:
    f.attrs["layer_names"] = [b"dense"]
    group = f.create_group("dense")
    group.attrs["weight_names"] = [b"dense/kernel:0"]
    group.create_dataset("dense/kernel:0", data=np.arange(6, dtype="float32").reshape(3, 2))
with open(os.path.join(out, "VERSION"), "w") as f:
    f.write("1\n")
