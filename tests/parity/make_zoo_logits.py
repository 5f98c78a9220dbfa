#!/usr/bin/python3
"""Eval-mode logits of torchvision models for the zoo parity test (every row of ModelZoo's table).

Writes three photos of odd sizes (JPEG and PNG) into OUT_DIR/images once, then for each NAME: a
torchvision model with seeded random weights, random BatchNorm statistics and affine parameters,
random LayerNorm affine parameters and layer scales (at their init those are identities or 1e-6,
which would hide a wrong block), its state_dict as OUT_DIR/NAME.pth in the requested format, and
OUT_DIR/NAME.safetensors with, per image, the input the weights' own eval transforms make
(input.STEM, CHW) and the logits (logits.STEM). A NAME torchvision has no builder for gets
OUT_DIR/NAME.missing saying so.

Usage: /usr/bin/python3 make_zoo_logits.py OUT_DIR NAME=zip|legacy ...
"""
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torchvision
from PIL import Image
from torchvision import models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import save_safetensors  # noqa: E402
from make_transform_refs import photo  # noqa: E402

# (file, width, height): odd sizes, landscape and portrait, one below every crop size
IMAGES = [("a_wide.jpg", 301, 227), ("b_tall.png", 211, 263), ("c_small.png", 123, 97)]


def write_images(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(11)
    for name, w, h in IMAGES:
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            img = photo(w, h, rng)
            img.save(path + ".tmp" + os.path.splitext(name)[1], quality=90)
            os.replace(path + ".tmp" + os.path.splitext(name)[1], path)


def randomize(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.2)
            m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=gen)))
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
    for name, p in model.named_parameters():
        if name.endswith("layer_scale"):
            p.data.copy_(torch.rand(p.shape, generator=gen) * 0.5 + 0.1)


def reference(out, name, fmt):
    torch.manual_seed(zlib.crc32(name.encode()))
    model = models.get_model(name, weights=None)
    randomize(model, torch.Generator().manual_seed(zlib.crc32(name.encode()) + 1))
    model.eval()
    enum = models.get_model_weights(name)
    # the weights ModelZoo's table records (as make_zoo_facts.py reads them)
    preset = (enum["IMAGENET1K_V1"] if "IMAGENET1K_V1" in enum.__members__ else enum.DEFAULT).transforms()
    tensors = {}
    with torch.no_grad():
        for file, _, _ in IMAGES:
            stem = os.path.splitext(file)[0]
            x = preset(Image.open(os.path.join(out, "images", file)).convert("RGB"))
            tensors["input." + stem] = x
            tensors["logits." + stem] = model(x.unsqueeze(0))[0]
    pth = os.path.join(out, name + ".pth")
    torch.save(model.state_dict(), pth + ".tmp", _use_new_zipfile_serialization=(fmt == "zip"))
    os.replace(pth + ".tmp", pth)
    # written last: its presence says the .pth is complete
    save_safetensors(os.path.join(out, name + ".safetensors"), tensors)
    print(name, fmt, "max |logit|", float(max(t.abs().max() for k, t in tensors.items() if k.startswith("logits"))))


def main():
    out = sys.argv[1]
    write_images(os.path.join(out, "images"))
    for arg in sys.argv[2:]:
        name, fmt = arg.split("=")
        if name in models.list_models(module=models):
            reference(out, name, fmt)
        else:
            # the Java test fails this architecture with the message, the others still run
            with open(os.path.join(out, name + ".missing"), "w") as f:
                f.write(f"torchvision {torchvision.__version__} has no builder named '{name}'\n")
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
