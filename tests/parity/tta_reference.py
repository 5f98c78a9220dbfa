#!/usr/bin/python3
"""Test-time augmentation computed by torch/torchvision, the reference for `evaluate --tta` and the
validation phase's tta_loss / tta_acc.

A torchvision model with the run's weights (a safetensors state_dict keyed by torchvision names)
classifies ImageFolder(ROOT) after Resize(RESIZE) and, per mode, CenterCrop(CROP) (plain), that and
its hflip (flip), FiveCrop(CROP) or TenCrop(CROP); each view is ToTensor + Normalize(MEAN, STD) and
an image's probabilities are the mean of its views' softmax. Prints one JSON object: per mode the
probabilities per image (ImageFolder order), the accuracy and the mean cross-entropy of the averaged
probabilities.

Usage: /usr/bin/python3 tta_reference.py ARCH NUM_CLASSES WEIGHTS ROOT RESIZE CROP MEAN(r,g,b) STD(r,g,b)
"""
import json
import struct
import sys

import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.datasets import ImageFolder

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return out


def main():
    arch, classes, weights, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    resize, crop = int(sys.argv[5]), int(sys.argv[6])
    mean = [float(v) for v in sys.argv[7].split(",")]
    std = [float(v) for v in sys.argv[8].split(",")]
    model = getattr(torchvision.models, arch)(num_classes=classes)
    missing, unexpected = model.load_state_dict(read_safetensors(weights), strict=False)
    if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
        raise SystemExit("weights do not fit %s: missing %s, unexpected %s" % (arch, missing, unexpected))
    model.eval()
    tensor = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    views = {
        "none": lambda im: [T.CenterCrop(crop)(im)],
        "flip": lambda im: [T.CenterCrop(crop)(im), F.hflip(T.CenterCrop(crop)(im))],
        "five_crop": lambda im: list(T.FiveCrop(crop)(im)),
        "ten_crop": lambda im: list(T.TenCrop(crop)(im)),
    }
    dataset = ImageFolder(root, transform=T.Resize(resize))
    result = {}
    with torch.no_grad():
        for mode, make in views.items():
            probabilities, correct, loss = [], 0, 0.0
            for image, label in dataset:
                batch = torch.stack([tensor(v) for v in make(image)])
                p = torch.softmax(model(batch).double(), dim=1).mean(dim=0)
                probabilities.append(p.tolist())
                correct += int(p.argmax().item() == label)
                loss -= torch.log(p[label]).item()
            result[mode] = {"probabilities": probabilities, "accuracy": correct / len(dataset),
                            "loss": loss / len(dataset)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
