#!/usr/bin/python3
"""Reference data for the image pipeline parity test.

Writes synthetic photos (smooth colour fields with noise and edges) as JPEG and PNG in several
sizes and modes, and for each: the RGB pixels PIL decodes (what torchvision's ImageFolder loader
sees after convert("RGB")), the output of the tutorial's validation transform
Resize(256) + CenterCrop(224) + ToTensor + Normalize(ImageNet), and the pixels of bicubic resizes
of the shorter side (torchvision's Resize(size, InterpolationMode.BICUBIC), down- and upscaling)
and of EfficientNet-B3's bicubic eval transform, as safetensors.

Usage: /usr/bin/python3 make_transform_refs.py OUT_DIR
"""
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import save_safetensors  # noqa: E402


def photo(w, h, rng):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    for c in range(3):
        fx, fy, phase = rng.uniform(0.005, 0.05), rng.uniform(0.005, 0.05), rng.uniform(0, 6.3)
        img[..., c] = 127 + 100 * np.sin(fx * x + phase) * np.cos(fy * y)
    # a hard-edged disc and some noise: resampling must get edges and texture right too
    cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, 0.2 * min(w, h)
    img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 12, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


# (file name, width, height, how it is saved)
CASES = [
    ("a_landscape.jpg", 500, 375, "jpeg"),
    ("b_portrait.jpg", 375, 500, "jpeg"),
    ("c_square.png", 256, 256, "png"),
    ("d_small.png", 230, 180, "png"),
    ("e_large.jpg", 1024, 683, "jpeg"),
    ("f_alpha.png", 320, 240, "rgba"),
    ("g_gray.jpg", 400, 300, "gray"),
    ("h_odd.png", 333, 257, "png"),
    ("i_cmyk.jpg", 300, 220, "cmyk"),
    ("j_palette.png", 260, 240, "palette"),
]

# shorter-side sizes for the bicubic resizes: downscaling (antialiased, wide support) and upscaling
BICUBIC_SIZES = [97, 300, 600]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    val = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                              transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    # EfficientNet-B3's published eval transform: bicubic Resize(320), CenterCrop(300)
    bicubic_eval = transforms.Compose([transforms.Resize(320, InterpolationMode.BICUBIC), transforms.CenterCrop(300),
                                       transforms.ToTensor(),
                                       transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    tensors = {}
    for name, w, h, kind in CASES:
        img = photo(w, h, rng)
        path = os.path.join(out, name)
        if kind == "jpeg":
            img.save(path, quality=90)
        elif kind == "cmyk":
            img.convert("CMYK").save(path, quality=90)
        elif kind == "palette":
            img.convert("P", palette=Image.ADAPTIVE, colors=64).save(path)
        elif kind == "gray":
            img.convert("L").save(path, quality=90)
        elif kind == "rgba":
            rgba = img.convert("RGBA")
            rgba.putalpha(Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)))
            rgba.save(path)
        else:
            img.save(path)
        loaded = Image.open(path).convert("RGB")
        stem = os.path.splitext(name)[0]
        tensors[stem + ".decoded"] = torch.from_numpy(np.asarray(loaded).astype(np.float32).copy())
        tensors[stem + ".eval"] = val(loaded)
        tensors[stem + ".eval_bicubic"] = bicubic_eval(loaded)
        for size in BICUBIC_SIZES:
            resized = transforms.Resize(size, InterpolationMode.BICUBIC)(loaded)
            tensors[f"{stem}.bicubic{size}"] = torch.from_numpy(np.asarray(resized).astype(np.float32).copy())
    save_safetensors(os.path.join(out, "transforms.safetensors"), tensors)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__} PIL {Image.__version__}\n")


if __name__ == "__main__":
    main()
