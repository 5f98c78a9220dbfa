#!/usr/bin/python3
"""Reference data for the augmentation parity test.

For a few synthetic photos of odd (and one square) size, applies torchvision 0.14's augmentations
to PIL images with fixed parameters (the "draw" each transform would make) and writes:
  cases.json            one entry per case: image, op, parameters, output key
  augment.safetensors   the input images and every output, HWC float32 0..255 (RandomErasing: the
                        normalized CHW tensor), TenCrop's ten views at min(w, h) - 5, and the magnitude tables of TrivialAugmentWide and
                        RandAugment (float32, as torch makes them)

Usage: /usr/bin/python3 make_augment_refs.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F
from torchvision.transforms.autoaugment import _apply_op

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import save_safetensors  # noqa: E402
from make_transform_refs import photo  # noqa: E402

IMAGES = {"odd": (97, 75), "square": (64, 64), "tall": (45, 83)}
MODES = {"nearest": InterpolationMode.NEAREST, "bilinear": InterpolationMode.BILINEAR}
OPS = ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast",
       "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"]


def pixels(img):
    return torch.from_numpy(np.asarray(img.convert("RGB")).astype(np.float32).copy())


def color_jitter(img, order, b, c, s, h):
    """torchvision's ColorJitter.forward with get_params returning the given draw."""
    jitter = transforms.ColorJitter()
    transforms.ColorJitter.get_params = staticmethod(lambda *args: (torch.tensor(order), b, c, s, h))
    return jitter(img)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(17)
    tensors, cases = {}, []

    def case(image, op, params, result):
        key = f"{image}.{len(cases)}.{op}"
        tensors[key] = result if isinstance(result, torch.Tensor) else pixels(result)
        cases.append({"image": image, "op": op, "params": params, "key": key})

    for name, (w, h) in IMAGES.items():
        img = photo(w, h, rng)
        # a few saturated and flat pixels: histograms with gaps and clipped extremes
        arr = np.asarray(img).copy()
        arr[:3, :5] = 255
        arr[-2:, -4:] = 0
        img = Image.fromarray(arr, "RGB")
        tensors[name] = pixels(img)

        for f in [0.0, 0.3, 1.0, 1.7]:
            case(name, "brightness", {"factor": f}, F.adjust_brightness(img, f))
        for f in [0.2, 0.9, 1.6]:
            case(name, "contrast", {"factor": f}, F.adjust_contrast(img, f))
        for f in [0.0, 0.5, 1.8]:
            case(name, "saturation", {"factor": f}, F.adjust_saturation(img, f))
        for f in [-0.5, -0.45, -0.1, 0.003, 0.07, 0.5]:
            case(name, "hue", {"factor": f}, F.adjust_hue(img, f))
        for f in [0.1, 1.9]:
            case(name, "sharpness", {"factor": f}, F.adjust_sharpness(img, f))
        for order, b, c, s, hue in [([2, 0, 3, 1], 1.3, 0.7, 1.4, -0.08), ([3, 1, 0, 2], 0.6, 1.5, 0.2, 0.21),
                                    ([1, 3, 2, 0], None, 0.8, None, 0.3)]:
            case(name, "color_jitter", {"order": order, "brightness": b, "contrast": c, "saturation": s, "hue": hue},
                 color_jitter(img, order, b, c, s, hue))
        case(name, "grayscale", {}, F.rgb_to_grayscale(img, num_output_channels=3))
        case(name, "vflip", {}, F.vflip(img))
        for angle, mode, fill, expand, center in [
                (17.3, "nearest", [0], False, None), (-42.0, "nearest", [10, 20, 30], False, None),
                (90.0, "nearest", [0], False, None), (180.0, "nearest", [0], False, None),
                (-90.0, "bilinear", [0], False, None), (33.3, "bilinear", [200], False, None),
                (-123.4, "bilinear", [5, 6, 7], False, None), (450.0, "nearest", [0], False, None),
                (25.0, "nearest", [0], True, None), (-61.5, "bilinear", [9], True, None), (90.0, "nearest", [0], True, None),
                (12.0, "nearest", [0], False, [10, 20]), (180.0, "bilinear", [0], False, [0, 0]),
                (-30.0, "nearest", [0], True, [5.5, 40])]:
            case(name, "rotate", {"angle": angle, "resample": mode, "fill": fill, "expand": expand, "center": center},
                 F.rotate(img, angle, MODES[mode], expand, center, fill=fill[0] if len(fill) == 1 else fill))
        for angle, translate, scale, shear, mode in [
                (12.0, [3, -5], 1.1, [8.0, 0.0], "nearest"), (-30.5, [0, 0], 0.8, [0.0, 0.0], "nearest"),
                (0.0, [7, 2], 1.0, [0.0, 0.0], "nearest"), (0.0, [0, 0], 1.3, [0.0, 0.0], "nearest"),
                (5.0, [-4, 6], 0.9, [-10.0, 12.0], "bilinear"), (170.0, [1, 1], 1.2, [3.0, -4.0], "bilinear")]:
            case(name, "affine", {"angle": angle, "translate": translate, "scale": scale, "shear": shear,
                                  "resample": mode, "fill": [0]},
                 F.affine(img, angle, translate, scale, shear, MODES[mode], fill=0))
        for kx, ky, sigma in [(3, 3, 0.5), (5, 9, 1.7), (11, 7, 3.0)]:
            case(name, "gaussian_blur", {"kernel": [kx, ky], "sigma": sigma}, F.gaussian_blur(img, [kx, ky], [sigma, sigma]))

        # every operation of TrivialAugmentWide at several bins and signs, NEAREST (the default) and a few BILINEAR
        wide = transforms.TrivialAugmentWide()._augmentation_space(31)
        for op in OPS:
            magnitudes, signed = wide[op]
            bins = [0, 7, 15, 20, 30] if magnitudes.ndim > 0 else [None]
            for i, b in enumerate(bins):
                m = 0.0 if b is None else float(magnitudes[b].item())
                if signed and i % 2 == 1:
                    m = -m
                case(name, "auto_augment_op", {"op": op, "magnitude": m, "resample": "nearest"},
                     _apply_op(img, op, m, InterpolationMode.NEAREST, None))
        for op, m in [("ShearX", 0.4), ("ShearY", -0.25), ("Rotate", 37.0), ("TranslateX", 9.0)]:
            case(name, "auto_augment_op", {"op": op, "magnitude": m, "resample": "bilinear"},
                 _apply_op(img, op, m, InterpolationMode.BILINEAR, None))
        rand = transforms.RandAugment()._augmentation_space(31, (h, w))
        for op in OPS:
            if rand[op][0].ndim > 0:
                tensors[f"ra_bins.{w}x{h}.{op}"] = rand[op][0].to(torch.float32)

        # test-time TenCrop (its first five are FiveCrop): corners and centre, then the same of the mirror
        crop = min(w, h) - 5
        for i, view in enumerate(transforms.TenCrop(crop)(img)):
            tensors[f"{name}.ten_crop.{i}"] = pixels(view)

        # RandomErasing acts on the normalized tensor
        normalized = F.normalize(F.to_tensor(img), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
        tensors[name + ".normalized"] = normalized
        noise = torch.from_numpy(rng.normal(size=(3, 9, 14)).astype(np.float32))
        case(name, "erase", {"top": 5, "left": 7, "height": 9, "width": 14, "values": noise.flatten().tolist()},
             F.erase(normalized, 5, 7, 9, 14, noise))
        case(name, "erase", {"top": 0, "left": 3, "height": 20, "width": 11, "values": [0.5, -1.0, 2.0]},
             F.erase(normalized, 0, 3, 20, 11, torch.tensor([0.5, -1.0, 2.0])[:, None, None]))

    wide = transforms.TrivialAugmentWide()._augmentation_space(31)
    for op in OPS:
        if wide[op][0].ndim > 0:
            tensors[f"ta_bins.{op}"] = wide[op][0].to(torch.float32)

    save_safetensors(os.path.join(out, "augment.safetensors"), tensors)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__} PIL {Image.__version__}\n")


if __name__ == "__main__":
    main()
