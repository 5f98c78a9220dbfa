#!/usr/bin/python3
"""Reference data for the parity tests of the layers the MobileNet / EfficientNet families share.

activations.safetensors: inputs x (a grid over [-8, 8] plus the kinks -3, 0, 3, 6) and each
  activation's torch value there (ReLU6, SiLU, Hardswish, Hardsigmoid, Sigmoid, GELU).
primitives-initial.pth: primitives_net() below with seeded weights and random BatchNorm statistics;
  its layer tree is the Java test's.
primitives-io.safetensors: an input and torch's eval logits; a training batch, labels, the
  train-mode cross-entropy loss and its gradient for every parameter ("grad.<name>").

Usage: /usr/bin/python3 make_nn_refs.py OUT_DIR
"""
import os
import sys
from functools import partial

import torch
import torch.nn as nn
import torchvision
from torchvision.ops import Conv2dNormActivation, SqueezeExcitation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import randomize_batchnorm, save_safetensors  # noqa: E402

ACTIVATIONS = {"ReLU6": nn.ReLU6(), "SiLU": nn.SiLU(), "Hardswish": nn.Hardswish(), "Hardsigmoid": nn.Hardsigmoid(),
               "Sigmoid": nn.Sigmoid(), "GELU": nn.GELU()}


def primitives_net():
    """Grouped, depthwise (with channel multiplier) and strided convolutions, every activation
    where gradients flow, both squeeze-excitation variants and MobileNetV3's BatchNorm settings."""
    bn_v3 = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
    features = nn.Sequential(
        Conv2dNormActivation(3, 12, 3, stride=2, norm_layer=bn_v3, activation_layer=nn.Hardswish),
        Conv2dNormActivation(12, 24, 3, groups=4, activation_layer=nn.ReLU6),
        Conv2dNormActivation(24, 48, 3, stride=2, groups=24, activation_layer=nn.SiLU),
        SqueezeExcitation(48, 12, activation=nn.SiLU),
        Conv2dNormActivation(48, 48, 5, groups=48, activation_layer=nn.GELU, inplace=None),
        SqueezeExcitation(48, 16, scale_activation=nn.Hardsigmoid),
        nn.Conv2d(48, 32, 1, groups=2),
        nn.Hardswish(),
    )
    return nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 3))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    x = torch.cat([torch.linspace(-8, 8, 1597), torch.tensor([-3.0, 0.0, 3.0, 6.0, -1e-4, 1e-4])])
    acts = {"x": x}
    with torch.no_grad():
        for name, act in ACTIVATIONS.items():
            acts[name] = act(x)
    save_safetensors(os.path.join(out, "activations.safetensors"), acts)

    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(8)
    model = primitives_net()
    with torch.no_grad():
        randomize_batchnorm(model, gen)
    torch.save(model.state_dict(), os.path.join(out, "primitives-initial.pth"))
    io = {"input": torch.randn(2, 3, 37, 41, generator=gen)}
    model.eval()
    with torch.no_grad():
        io["logits"] = model(io["input"])
    model.train()
    io["train_input"] = torch.randn(4, 3, 32, 32, generator=gen)
    io["train_labels"] = torch.randint(0, 3, (4,), generator=gen)
    loss = nn.CrossEntropyLoss()(model(io["train_input"]), io["train_labels"])
    loss.backward()
    io["train_loss"] = loss.detach().reshape(1)
    for name, p in model.named_parameters():
        io["grad." + name] = p.grad
    save_safetensors(os.path.join(out, "primitives-io.safetensors"), io)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
