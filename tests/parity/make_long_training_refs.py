#!/usr/bin/python3
"""Reference data for the long-run training parity test: 120 steps of the tutorial's train_model loop.

resnet18 (fc = Linear(512, 10)) on 32x32 images, batch 8, 30 batches per epoch, 4 epochs,
model.train() for the train phase and model.eval() for the validation phase, two parameter groups
(fc and the rest, weight decay on the rest), StepLR(2, 0.1) stepped after each epoch's train phase
as the tutorial does, SGD momentum 0.9.

The run starts from weights torch has already trained (as fine-tuning does): random init with
randomized BatchNorm statistics and affine weights (the last gamma of each residual branch scaled
by 0.1, as zero_init_residual does for real training), then PRETRAIN_STEPS steps of SGD on other
images of the same classes. From random init at the recipe's rates, 120 steps are chaotic: torch
float32 with 1 and with 2 threads, and float32 against float64, end far apart, so no tolerance
could tell a bug from rounding.

Each run of the same 120 steps from the same float32 initial state:
  f64                 float64 (model and inputs): the truth
  f32-t1 .. f32-t4    float32, as the project runs, with 1 to 4 intra-op threads: their distances
                      from f64 are the yardstick
  bn-momentum-0.01    float32 with a wrong BatchNorm momentum (0.01 instead of 0.1)
  update-late         float32 with each step applying the previous step's gradient
The last two are bugs the test must catch: the project's run must be outside the tolerance
around them.

Why several float32 runs: ReLU makes the run piecewise smooth. Every few hundred thousand
pre-activations one lies within float32 noise (~1e-6) of zero in the float64 run, and a float32
run lands on either side of it: its gradient at that step differs by one position's share (of 8 to
128 per channel in the later stages), and momentum carries the difference on: up to a few % of
that channel's whole update. Which float32 runs cross which kink is luck (the reduction
order changes with the thread count): torch float32 with 2 threads missed three such kinks that
torch with 1 or 3 threads crossed, and measured against it alone torch itself was 24x outside
the bound. The largest distance over the four runs holds every kink a float32 run is likely to
cross.

The train-mode weights do not depend on the running statistics, so bn-momentum-0.01 is f32-t2
with running statistics recomputed from the batch statistics it saw (no run of its own). Runs go
to two worker processes.

The images are pre-augmented: each class is a smooth random pattern, each sample a random crop
(maybe flipped) of its class pattern plus noise, rounded to 8 bits, so both frameworks get the
same bytes in the same order (no shuffling: the loaders' random orders cannot match).

Saved: initial.pth (the pre-trained state); data.safetensors (train_images / val_images as
float32 0..255 NHWC, labels); per run <run>-final.safetensors (state_dict after training in
float32, eval-mode logits of val_images, per-epoch train and val loss, the lr of each group per
epoch).

Usage: /usr/bin/python3 make_long_training_refs.py OUT_DIR
"""
import multiprocessing
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import randomize_batchnorm, save_safetensors  # noqa: E402

CLASSES = 10
SIZE = 32
BATCH = 8
TRAIN_BATCHES = 30
EPOCHS = 4
VAL_IMAGES = 32
PRETRAIN_STEPS = 30
PRETRAIN_LR = 1e-2
FC_LR = 1e-3
REST_LR = 1e-4
DECAY = 1e-4
MOMENTUM = 0.9
STEP_SIZE = 2
GAMMA = 0.1
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

# run name -> (dtype, intra-op threads, whether each step applies the previous step's gradient)
RUNS = {
    "f64": (torch.float64, 2, False),
    "update-late": (torch.float32, 2, True),
    "f32-t1": (torch.float32, 1, False),
    "f32-t2": (torch.float32, 2, False),
    "f32-t3": (torch.float32, 3, False),
    "f32-t4": (torch.float32, 4, False),
}
# the wrong-momentum run: derived from this run's batch statistics
MOMENTUM_BUG = ("bn-momentum-0.01", "f32-t2", 0.01)


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


def new_model():
    model = torchvision.models.resnet18()
    model.fc = nn.Linear(512, CLASSES)
    return model


def pretrained(gen, patterns):
    """The starting state: random init, then PRETRAIN_STEPS steps of plain training in float32."""
    model = new_model()
    with torch.no_grad():
        randomize_batchnorm(model, gen)
        for name, module in model.named_modules():
            if name.endswith("bn2"):
                module.weight.mul_(0.1)
    images, labels = make_images(gen, patterns, PRETRAIN_STEPS * BATCH)
    x = to_input(images)
    optimizer = torch.optim.SGD(model.parameters(), lr=PRETRAIN_LR, momentum=MOMENTUM)
    model.train()
    for b in range(PRETRAIN_STEPS):
        optimizer.zero_grad()
        F.cross_entropy(model(x[b * BATCH:(b + 1) * BATCH]), labels[b * BATCH:(b + 1) * BATCH]).backward()
        optimizer.step()
    return {k: v.clone() for k, v in model.state_dict().items()}


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return logits, F.cross_entropy(logits, y).item()


class ShadowStatistics:
    """Running statistics as BatchNorm with another momentum would keep them, from the batches
    each train-mode BatchNorm sees (torch's update: the unbiased batch variance)."""

    def __init__(self, model, momentum):
        self.momentum = momentum
        self.layers = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        self.stats = [(m.running_mean.clone(), m.running_var.clone()) for m in self.layers]
        for m, (mean, var) in zip(self.layers, self.stats):
            m.register_forward_hook(lambda m, inputs, _, mean=mean, var=var: self._update(m, inputs[0], mean, var))

    def _update(self, module, x, mean, var):
        if module.training:
            with torch.no_grad():
                mean.mul_(1 - self.momentum).add_(x.mean((0, 2, 3)), alpha=self.momentum)
                var.mul_(1 - self.momentum).add_(x.var((0, 2, 3), unbiased=True), alpha=self.momentum)

    def swap(self):
        """Exchanges the shadow statistics with the layers' own (twice restores them)."""
        for m, (mean, var) in zip(self.layers, self.stats):
            for own, shadow in ((m.running_mean, mean), (m.running_var, var)):
                saved = own.clone()
                own.copy_(shadow)
                shadow.copy_(saved)


def train(initial, data, dtype, threads, update_late, shadow_momentum=None):
    """The tutorial's train_model without shuffling or best-weights restore; returns what it
    measured, and with shadow_momentum also what a run with that BatchNorm momentum measured."""
    torch.set_num_threads(threads)
    model = new_model()
    model.load_state_dict(initial)
    model.to(dtype)
    shadow = ShadowStatistics(model, shadow_momentum) if shadow_momentum is not None else None
    fc = list(model.fc.parameters())
    rest = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
    optimizer = torch.optim.SGD([{"params": fc, "lr": FC_LR, "weight_decay": 0.0},
                                 {"params": rest, "lr": REST_LR, "weight_decay": DECAY}], lr=FC_LR, momentum=MOMENTUM)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=STEP_SIZE, gamma=GAMMA)
    train_x, train_y = to_input(data["train_images"]).to(dtype), data["train_labels"]
    val_x, val_y = to_input(data["val_images"]).to(dtype), data["val_labels"]
    sides = [model] if shadow is None else [model, shadow]
    measured = {side: {"val_losses": [], "train_losses": []} for side in sides}

    def validate():
        for side in sides:
            if side is shadow:
                shadow.swap()
            measured[side]["val_logits"], loss = evaluate(model, val_x, val_y)
            measured[side]["val_losses"].append(loss)
            if side is shadow:
                shadow.swap()

    validate()
    lrs = []
    pending = None
    for _ in range(EPOCHS):
        lrs.append([g["lr"] for g in optimizer.param_groups])
        model.train()
        total = 0.0
        for b in range(TRAIN_BATCHES):
            x, y = train_x[b * BATCH:(b + 1) * BATCH], train_y[b * BATCH:(b + 1) * BATCH]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            if update_late:
                current = [p.grad.clone() for p in model.parameters()]
                if pending is not None:
                    for p, g in zip(model.parameters(), pending):
                        p.grad.copy_(g)
                    optimizer.step()
                pending = current
            else:
                optimizer.step()
            total += loss.item() * x.shape[0]
        scheduler.step()
        for side in sides:
            measured[side]["train_losses"].append(total / train_x.shape[0])
        validate()
    results = []
    for side in sides:
        if side is shadow:
            shadow.swap()
        # copies: the next side's swap changes the running statistics in place
        out = {k: v.float().clone() if v.is_floating_point() else v.clone() for k, v in model.state_dict().items()}
        out["val_logits"] = measured[side]["val_logits"].float()
        out["train_losses"] = torch.tensor(measured[side]["train_losses"], dtype=torch.float32)
        out["val_losses"] = torch.tensor(measured[side]["val_losses"], dtype=torch.float32)
        out["lrs"] = torch.tensor(lrs, dtype=torch.float32)
        results.append(out)
    return results


def run(name, initial, data, out):
    """One entry of RUNS (and the run derived from it), saved to OUT_DIR/<name>-final.safetensors."""
    dtype, threads, update_late = RUNS[name]
    bug, source, momentum = MOMENTUM_BUG
    finals = train(initial, data, dtype, threads, update_late, momentum if name == source else None)
    for run_name, final in zip([name, bug], finals):
        save_safetensors(os.path.join(out, f"{run_name}-final.safetensors"), final)
        print(run_name, "train", final["train_losses"].tolist(), "val", final["val_losses"].tolist(), file=sys.stderr)


def make_data(gen, patterns):
    train_images, train_labels = make_images(gen, patterns, BATCH * TRAIN_BATCHES)
    val_images, val_labels = make_images(gen, patterns, VAL_IMAGES)
    return {"train_images": train_images, "train_labels": train_labels, "val_images": val_images,
            "val_labels": val_labels}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(500)
    gen = torch.Generator().manual_seed(501)
    patterns = class_patterns(gen)
    initial = pretrained(gen, patterns)
    torch.save(initial, os.path.join(out, "initial.pth"))
    data = make_data(gen, patterns)
    save_safetensors(os.path.join(out, "data.safetensors"), data)
    # spawned, not forked: a forked child of a process that has used torch's thread pool can hang
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.starmap(run, [(name, initial, data, out) for name in RUNS])
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
