#!/usr/bin/python3
"""torchvision's weight enums as JSON, for the test that checks every row of ModelZoo's table.

For every classification builder torchvision has: the IMAGENET1K_V1 weights (DEFAULT where there
is no V1) with their URL, the hash prefix torch.hub's check_hash reads from the file name, the
parameter count, and the eval transforms (resize, crop, interpolation, mean, std). Nothing is
downloaded.

Usage: /usr/bin/python3 make_zoo_facts.py OUT_DIR   (writes OUT_DIR/zoo_facts.json)
"""
import json
import os
import sys

import torch
import torch.hub
import torchvision
from torchvision import models


def facts(name):
    enum = models.get_model_weights(name)
    weights = enum["IMAGENET1K_V1"] if "IMAGENET1K_V1" in enum.__members__ else enum.DEFAULT
    preset = weights.transforms()
    match = torch.hub.HASH_REGEX.search(os.path.basename(weights.url))
    return {
        "weights": str(weights),
        "url": weights.url,
        "hash_prefix": match.group(1) if match else "",
        "num_params": weights.meta["num_params"],
        "resize_size": list(preset.resize_size),
        "crop_size": list(preset.crop_size),
        "interpolation": preset.interpolation.value,
        "mean": list(preset.mean),
        "std": list(preset.std),
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    table = {name: facts(name) for name in models.list_models(module=models)}
    with open(os.path.join(out, "zoo_facts.json.tmp"), "w") as f:
        json.dump(table, f, indent=1, sort_keys=True)
    os.replace(os.path.join(out, "zoo_facts.json.tmp"), os.path.join(out, "zoo_facts.json"))
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
