#!/usr/bin/python3
"""Reference data for the PyTorch parity tests of the model zoo.

For each torchvision architecture: a model with seeded random weights and non-trivial BatchNorm
running statistics, saved as a state_dict .pth in both of torch's formats (zip, torch >= 1.6, and
the legacy pickle stream that torchvision's published vgg16-397923af.pth uses), plus inputs and the
eval-mode logits torch computes for them, saved as safetensors (written here by hand so the Java
reader is checked against an independent writer).

Usage: /usr/bin/python3 make_torchvision_refs.py OUT_DIR
Needs Debian's python3-torch and python3-torchvision (apt), never pip.
"""
import json
import os
import re
import struct
import sys

import torch
import torch.nn as nn
import torchvision


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def randomize_batchnorm(model, gen):
    """Random init leaves BN at identity (mean 0, var 1, weight 1, bias 0): that would hide
    a wrong eps, a swapped mean/var or a missing affine transform."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.2)
            m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=gen)))


def randomize_layer_norm_and_scale(model, gen):
    """LayerNorm starts at weight 1, bias 0 and ConvNeXt's layer_scale at 1e-6, which would hide a
    missing affine transform or a missing (or transposed) scale."""
    for name, m in model.named_modules():
        if isinstance(m, nn.LayerNorm):
            c = m.normalized_shape[0]
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.2)
        if hasattr(m, "layer_scale"):
            m.layer_scale.data.copy_(torch.rand(m.layer_scale.shape, generator=gen) * 0.5 + 0.25)


def published_key_names(name, state):
    """torchvision's published DenseNet files keep LuaTorch's dense-layer names (norm.1, conv.2),
    which torchvision's loader renames, and predate num_batches_tracked: the legacy-format file is
    written like them."""
    if not name.startswith("densenet"):
        return state
    return {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v for k, v in state.items()
            if not k.endswith("num_batches_tracked")}


def custom_mlp_head(model, num_classes):
    """The seeds' custom head: adaptive avgpool to 3x3, then a 4608-512-128-N MLP."""
    model.avgpool = nn.AdaptiveAvgPool2d((3, 3))
    model.classifier = nn.Sequential(
        nn.Linear(512 * 3 * 3, 512), nn.ReLU(True), nn.Dropout(),
        nn.Linear(512, 128), nn.ReLU(True), nn.Dropout(),
        nn.Linear(128, num_classes))
    return model


# name -> (builder, input sizes (H, W) to check, formats to save). Both formats for a few small
# models and densenet (whose legacy file has the published key names), vgg16 in the legacy format of
# torchvision's published file; the larger EfficientNets are left to make_zoo_logits.py (whose test
# deletes each file after use): these files stay in target/ for four test classes.
CASES = {
    "resnet18": (lambda: torchvision.models.resnet18(), [(224, 224), (97, 113)], ["zip", "legacy"]),
    "resnet34": (lambda: torchvision.models.resnet34(), [(224, 224)], ["zip"]),
    "resnet50": (lambda: torchvision.models.resnet50(), [(224, 224), (75, 90)], ["zip"]),
    "vgg16": (lambda: torchvision.models.vgg16(), [(224, 224), (64, 64)], ["legacy"]),
    # 64x64 makes features 2x2, so the 3x3 adaptive pool has overlapping bins
    "vgg16_mlp5": (lambda: custom_mlp_head(torchvision.models.vgg16(), 5), [(64, 64), (100, 130)], ["zip"]),
    # one per family: grouped convolutions, concatenations, squeeze-excitation, LayerNorm + layer scale
    "resnext50_32x4d": (lambda: torchvision.models.resnext50_32x4d(), [(224, 224), (75, 90)], ["zip"]),
    "densenet121": (lambda: torchvision.models.densenet121(), [(224, 224), (61, 83)], ["zip", "legacy"]),
    "regnet_y_400mf": (lambda: torchvision.models.regnet_y_400mf(), [(224, 224), (59, 77)], ["zip", "legacy"]),
    "convnext_tiny": (lambda: torchvision.models.convnext_tiny(), [(224, 224), (67, 91)], ["zip"]),
    # MobileNet / EfficientNet: one representative per family at 224 and at an odd size, the
    # other variants at one small size (their structure differs only by the configuration table)
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), [(97, 81)], ["zip", "legacy"]),
    "mobilenet_v3_large": (lambda: torchvision.models.mobilenet_v3_large(), [(224, 224), (97, 113)],
                           ["zip", "legacy"]),
    "mobilenet_v3_small": (lambda: torchvision.models.mobilenet_v3_small(), [(75, 90)], ["zip"]),
    "efficientnet_b0": (lambda: torchvision.models.efficientnet_b0(), [(224, 224), (99, 67)], ["zip", "legacy"]),
    **{f"efficientnet_b{i}": (getattr(torchvision.models, f"efficientnet_b{i}"), [(64, 72)], ["zip"])
       for i in range(1, 5)},
    "efficientnet_v2_s": (lambda: torchvision.models.efficientnet_v2_s(), [(224, 224), (83, 101)], ["zip"]),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    for seed, (name, (build, sizes, formats)) in enumerate(CASES.items()):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(1000 + seed)
        model = build()
        with torch.no_grad():
            randomize_batchnorm(model, gen)
            randomize_layer_norm_and_scale(model, gen)
        model.eval()
        state = model.state_dict()
        for fmt in formats:
            path = os.path.join(out, f"{name}-{fmt}.pth")
            saved = state if fmt == "zip" else published_key_names(name, state)
            torch.save(saved, path + ".tmp", _use_new_zipfile_serialization=(fmt == "zip"))
            os.replace(path + ".tmp", path)
        io = {}
        with torch.no_grad():
            for i, (h, w) in enumerate(sizes):
                x = torch.randn(2, 3, h, w, generator=gen)
                io[f"input{i}"] = x
                io[f"logits{i}"] = model(x)
        save_safetensors(os.path.join(out, f"{name}-io.safetensors"), io)
        print(f"{name}: {sum(t.numel() for t in state.values())} values, sizes {sizes}", file=sys.stderr)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
