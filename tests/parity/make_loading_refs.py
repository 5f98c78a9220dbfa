#!/usr/bin/python3
"""Reference for strict weight loading: torchvision's resnet18 and resnet34 ImageNet-shaped
state_dicts (seeded random weights, zip .pth), and what torch reports when each is loaded into
resnet18(num_classes=3) the tutorial's way (size-mismatched keys dropped, then strict=False):
loading.json holds, per file, the missing, unexpected and size-mismatched keys.

Usage: /usr/bin/python3 make_loading_refs.py OUT_DIR
Needs Debian's python3-torch and python3-torchvision (apt), never pip.
"""
import json
import os
import sys

import torch
import torchvision


def report(state_dict):
    model = torchvision.models.resnet18(num_classes=3)
    own = model.state_dict()
    mismatched = sorted(k for k, v in state_dict.items() if k in own and own[k].shape != v.shape)
    fitting = {k: v for k, v in state_dict.items() if k not in mismatched}
    result = model.load_state_dict(fitting, strict=False)
    return {"missing": list(result.missing_keys), "unexpected": list(result.unexpected_keys),
            "mismatched": mismatched}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    refs = {}
    for arch in ["resnet18", "resnet34"]:
        state_dict = getattr(torchvision.models, arch)().state_dict()
        torch.save(state_dict, os.path.join(out, arch + ".pth"))
        refs[arch] = report(state_dict)
    with open(os.path.join(out, "loading.json"), "w") as f:
        json.dump(refs, f, indent=1)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write("1\n")


if __name__ == "__main__":
    main()
