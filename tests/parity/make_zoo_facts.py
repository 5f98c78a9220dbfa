#!/usr/bin/python3
"""torchvision's weight enums as JSON, for the test that checks every row of ModelZoo's table.

For every classification builder torchvision has: the IMAGENET1K_V1 weights (DEFAULT where there
is no V1) with their URL, the hash prefix torch.hub's check_hash reads from the file name, the
parameter count, and the eval transforms (resize, crop, interpolation, mean, std). Nothing is
downloaded. For a few builders with stochastic depth (one of each depth schedule), also each
StochasticDepth module's rate by module name, as the builder's defaults configure them.

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


# ConvNeXt (rate * i / (n - 1)) at two depths, EfficientNet (rate * i / n) with MBConv, depth
# multiplier and FusedMBConv: instantiated at random init, so only small ones
STOCHASTIC_DEPTH_BUILDERS = ["convnext_tiny", "convnext_small", "efficientnet_b0", "efficientnet_b3",
                             "efficientnet_v2_s"]


def stochastic_depth_rates(name):
    model = models.get_model(name)
    return {module_name: module.p for module_name, module in model.named_modules()
            if isinstance(module, torchvision.ops.StochasticDepth)}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    table = {name: facts(name) for name in models.list_models(module=models)}
    for name in STOCHASTIC_DEPTH_BUILDERS:
        table[name]["stochastic_depth"] = stochastic_depth_rates(name)
    with open(os.path.join(out, "zoo_facts.json.tmp"), "w") as f:
        json.dump(table, f, indent=1, sort_keys=True)
    os.replace(os.path.join(out, "zoo_facts.json.tmp"), os.path.join(out, "zoo_facts.json"))
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
