#!/usr/bin/python3
"""torchvision's ImageFolder(ROOT).samples, one "LABEL RELATIVE_PATH" line each; bytes of a name
that are not UTF-8 are printed as U+FFFD.

Usage: /usr/bin/python3 imagefolder_samples.py ROOT
"""
import os
import sys

from torchvision.datasets import ImageFolder

root = sys.argv[1]
for path, label in ImageFolder(root).samples:
    relative = os.fsencode(os.path.relpath(path, root)).decode("utf-8", "replace")
    sys.stdout.buffer.write(("%d %s\n" % (label, relative)).encode("utf-8"))
