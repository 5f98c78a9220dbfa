#!/usr/bin/python3
"""What a replaceable head takes, for the export test of the `features` signature.

convnext_tiny with a new 3-class head (torchvision keeps LayerNorm2d and Flatten inside its
classifier, so the head's input is classifier.1's output, not a top-level flatten), seeded random
weights with random LayerNorm affine parameters and layer scales (at init they are identities or
1e-6, which would hide a missing block). Writes OUT_DIR/convnext_tiny.safetensors (the state_dict),
OUT_DIR/images/{0,1}.png (SIZE x SIZE, so the eval resize and crop are identities), and
OUT_DIR/refs.safetensors: pixels (N, SIZE, SIZE, 3, 0..255), features
classifier[:2](avgpool(features(x))) and logits, for x the ImageNet-normalized pixels.

Usage: /usr/bin/python3 make_head_input_refs.py OUT_DIR
"""
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import randomize_layer_norm_and_scale, save_safetensors  # noqa: E402

SIZE = 64
CLASSES = 3
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(3)
    gen = torch.Generator().manual_seed(1003)
    model = torchvision.models.convnext_tiny(num_classes=CLASSES)
    with torch.no_grad():
        randomize_layer_norm_and_scale(model, gen)
    model.eval()
    save_safetensors(os.path.join(out, "convnext_tiny.safetensors"), model.state_dict())

    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, size=(2, SIZE, SIZE, 3), dtype=np.uint8)
    for i, image in enumerate(pixels):
        path = os.path.join(out, "images", f"{i}.png")
        Image.fromarray(image).save(path + ".tmp.png")
        os.replace(path + ".tmp.png", path)
    chw = torch.from_numpy(pixels).permute(0, 3, 1, 2).float()
    x = (chw / 255 - MEAN) / STD
    with torch.no_grad():
        features = model.classifier[:2](model.avgpool(model.features(x)))
        logits = model(x)
    save_safetensors(os.path.join(out, "refs.safetensors"),
                     {"pixels": torch.from_numpy(pixels).float(), "features": features, "logits": logits})
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
