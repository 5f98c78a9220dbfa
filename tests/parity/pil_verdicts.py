#!/usr/bin/python3
"""What PIL makes of each image file named on the command line: one line per file,
"ok WIDTHxHEIGHT" when Image.open(...).convert("RGB") succeeds, else "refused EXCEPTION: MESSAGE".

Usage: /usr/bin/python3 pil_verdicts.py FILE...
Needs Debian's python3-pil (a dependency of python3-torchvision).
"""
import sys
import warnings

from PIL import Image


def verdict(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                rgb = image.convert("RGB")
                return "ok %dx%d" % rgb.size
    except Exception as e:  # every refusal is a verdict, whatever its kind
        return "refused %s: %s" % (type(e).__name__, e)


for arg in sys.argv[1:]:
    print(verdict(arg))
