#!/usr/bin/python3
"""Reference data for the long-run training parity test: 120 steps of the tutorial's train_model loop.

resnet18 (fc = Linear(512, 10), BatchNorm statistics and affine weights randomized) on 64x64 images,
batch 8, 30 batches per epoch, 4 epochs, model.train() for the train phase and model.eval() for
the validation phase, two parameter groups (fc and the rest), StepLR(2, 0.1) stepped after each
epoch's train phase, as the tutorial does, and SGD momentum 0.9 with lr 1e-3 for fc and 1e-4 with
weight decay 1e-4 for the rest. The rates are the recipe's (1e-2 / 1e-3) divided by 10: at the
recipe's rates this small random problem trains chaotically (loss spikes to 4), and torch run with
1 and with 2 threads already ends 1% apart after one epoch, so no tolerance could tell a bug from
float32 rounding.
The images are pre-augmented: each class is a smooth random pattern, each sample a random 64x64
crop (maybe flipped) of its class pattern plus noise, rounded to 8 bits, so both frameworks get
the same bytes in the same order (no shuffling: the loaders' random orders cannot match).

Saved: initial.pth; data.safetensors (train_images / val_images as float32 0..255 NHWC, labels);
per case <case>-final.safetensors (state_dict after training, eval-mode logits of val_images,
per-epoch train and val loss, the lr of each group per epoch).

Usage: /usr/bin/python3 make_long_training_refs.py OUT_DIR
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import randomize_batchnorm, save_safetensors  # noqa: E402

CLASSES = 10
SIZE = 64
BATCH = 8
TRAIN_BATCHES = 30
EPOCHS = 4
VAL_IMAGES = 32
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def class_patterns(gen):
    return F.interpolate(torch.rand(CLASSES, 3, 6, 6, generator=gen), size=(SIZE + 16, SIZE + 16), mode="bilinear",
                         align_corners=False)


def make_images(gen, patterns, count):
    """count pre-augmented NHWC uint8-valued images and their labels."""
    labels = torch.randint(0, CLASSES, (count,), generator=gen)
    images = torch.empty(count, 3, SIZE, SIZE)
    for i in range(count):
        y, x = torch.randint(0, 17, (2,), generator=gen).tolist()
        img = patterns[labels[i], :, y:y + SIZE, x:x + SIZE]
        if torch.rand(1, generator=gen).item() < 0.5:
            img = img.flip(2)
        images[i] = img * 0.7 + torch.rand(3, SIZE, SIZE, generator=gen) * 0.3
    pixels = (images * 255).round().clamp(0, 255)
    return pixels.permute(0, 2, 3, 1).contiguous(), labels


def to_input(pixels):
    """ToTensor + Normalize, in torchvision's float32 order of operations."""
    return (pixels.permute(0, 3, 1, 2).div(255) - MEAN) / STD


def groups(model, fc_lr, rest_lr, decay):
    fc = list(model.fc.parameters())
    rest = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
    return [{"params": fc, "lr": fc_lr, "weight_decay": 0.0}, {"params": rest, "lr": rest_lr, "weight_decay": decay}]


CASES = {
    "sgd": lambda m: torch.optim.SGD(groups(m, 1e-3, 1e-4, 1e-4), lr=1e-3, momentum=0.9),
}


def evaluate(model, x, y, loss_fn):
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return logits, loss_fn(logits, y).item()


def train(initial, data, make_optimizer):
    """The tutorial's train_model without shuffling or best-weights restore; returns what it measured."""
    model = torchvision.models.resnet18()
    model.fc = nn.Linear(512, CLASSES)
    model.load_state_dict(initial)
    optimizer = make_optimizer(model)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    loss_fn = nn.CrossEntropyLoss()
    train_x, train_y = to_input(data["train_images"]), data["train_labels"]
    val_x, val_y = to_input(data["val_images"]), data["val_labels"]
    train_losses, val_losses, lrs = [], [evaluate(model, val_x, val_y, loss_fn)[1]], []
    for _ in range(EPOCHS):
        lrs.append([g["lr"] for g in optimizer.param_groups])
        model.train()
        total = 0.0
        for b in range(TRAIN_BATCHES):
            x, y = train_x[b * BATCH:(b + 1) * BATCH], train_y[b * BATCH:(b + 1) * BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * x.shape[0]
        scheduler.step()
        train_losses.append(total / train_x.shape[0])
        val_losses.append(evaluate(model, val_x, val_y, loss_fn)[1])
    logits, _ = evaluate(model, val_x, val_y, loss_fn)
    out = dict(model.state_dict())
    out["val_logits"] = logits
    out["train_losses"] = torch.tensor(train_losses, dtype=torch.float32)
    out["val_losses"] = torch.tensor(val_losses, dtype=torch.float32)
    out["lrs"] = torch.tensor(lrs, dtype=torch.float32)
    return out, train_losses, val_losses


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(500)
    gen = torch.Generator().manual_seed(501)
    model = torchvision.models.resnet18()
    model.fc = nn.Linear(512, CLASSES)
    with torch.no_grad():
        randomize_batchnorm(model, gen)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save(initial, os.path.join(out, "initial.pth"))
    patterns = class_patterns(gen)
    train_images, train_labels = make_images(gen, patterns, BATCH * TRAIN_BATCHES)
    val_images, val_labels = make_images(gen, patterns, VAL_IMAGES)
    data = {"train_images": train_images, "train_labels": train_labels, "val_images": val_images,
            "val_labels": val_labels}
    save_safetensors(os.path.join(out, "data.safetensors"), data)
    for name, make_optimizer in CASES.items():
        final, train_losses, val_losses = train(initial, data, make_optimizer)
        save_safetensors(os.path.join(out, f"{name}-final.safetensors"), final)
        print(name, "train", train_losses, "val", val_losses, file=sys.stderr)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
