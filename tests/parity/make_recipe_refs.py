#!/usr/bin/python3
"""Reference data for the training recipes (MixUp/CutMix, class weights, ReduceLROnPlateau, EMA,
LR finder), from torch 1.13 and from re-statements of timm's and fastai's published code (neither
library is installed here; each function below says which definition it restates).

  losses.safetensors   torch's cross_entropy on class indices and on probabilities, with and
                       without class weights and label smoothing, and d loss / d logits
  mixup.safetensors    timm Mixup(mode='batch') applied to a fixed batch for given draws
  plateau.safetensors  torch ReduceLROnPlateau's learning rates fed a fixed metric sequence
  ema.safetensors      timm ModelEmaV2 / ModelEmaV3 (warm-up) over five SGD steps of tiny_net
  lrfind.safetensors   fastai's smoothed loss, lr schedule and steep / valley suggestions
  class_weights.safetensors  scikit-learn's compute_class_weight('balanced')

Usage: /usr/bin/python3 make_recipe_refs.py OUT_DIR
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import randomize_batchnorm, save_safetensors  # noqa: E402
from make_training_refs import tiny_net  # noqa: E402


def losses(out):
    gen = torch.Generator().manual_seed(11)
    logits = torch.randn(6, 4, generator=gen) * 2
    labels = torch.tensor([0, 3, 1, 1, 2, 3])
    probs = torch.softmax(torch.randn(6, 4, generator=gen), dim=1)
    weights = torch.tensor([0.5, 2.0, 1.0, 3.0])
    cases = {
        "hard_plain": lambda z: F.cross_entropy(z, labels),
        "hard_weighted_smooth": lambda z: F.cross_entropy(z, labels, weight=weights, label_smoothing=0.1),
        "soft_plain": lambda z: F.cross_entropy(z, probs),
        "soft_weighted": lambda z: F.cross_entropy(z, probs, weight=weights),
    }
    refs = {"logits": logits, "labels": labels, "probs": probs, "weights": weights}
    for name, loss_fn in cases.items():
        z = logits.clone().requires_grad_(True)
        loss = loss_fn(z)
        loss.backward()
        refs[name] = loss.detach().reshape(1)
        refs[name + "_grad"] = z.grad
    save_safetensors(os.path.join(out, "losses.safetensors"), refs)


# timm/data/mixup.py, restated: rand_bbox with a given centre, cutmix_bbox_and_lam (correct_lam),
# Mixup._mix_batch and mixup_target
def timm_rand_bbox(img_shape, lam, cy, cx):
    ratio = np.sqrt(1 - lam)
    img_h, img_w = img_shape[-2:]
    cut_h, cut_w = int(img_h * ratio), int(img_w * ratio)
    yl = np.clip(cy - cut_h // 2, 0, img_h)
    yh = np.clip(cy + cut_h // 2, 0, img_h)
    xl = np.clip(cx - cut_w // 2, 0, img_w)
    xh = np.clip(cx + cut_w // 2, 0, img_w)
    return yl, yh, xl, xh


def timm_mix_batch(x, lam, use_cutmix, cy, cx):
    if lam == 1.:
        return 1.
    if use_cutmix:
        yl, yh, xl, xh = timm_rand_bbox(x.shape, lam, cy, cx)
        lam = 1. - (yh - yl) * (xh - xl) / float(x.shape[-2] * x.shape[-1])
        x[:, :, yl:yh, xl:xh] = x.flip(0)[:, :, yl:yh, xl:xh]
    else:
        x_flipped = x.flip(0).mul_(1. - lam)
        x.mul_(lam).add_(x_flipped)
    return lam


def timm_mixup_target(target, num_classes, lam, smoothing):
    off_value = smoothing / num_classes
    on_value = 1. - smoothing + off_value
    y1 = torch.full((len(target), num_classes), off_value).scatter_(1, target.view(-1, 1), on_value)
    y2 = torch.full((len(target), num_classes), off_value).scatter_(1, target.flip(0).view(-1, 1), on_value)
    return y1 * lam + y2 * (1. - lam)


MIX_CASES = [  # (lam, use_cutmix, cy, cx, smoothing)
    (0.3, False, 0, 0, 0.0),
    (0.8, False, 0, 0, 0.1),
    (0.55, True, 3, 4, 0.0),
    (0.2, True, 0, 9, 0.1),    # box clipped at the top and the right: lam corrected
    (0.9, True, 7, 1, 0.0),
]


def mixup(out):
    gen = torch.Generator().manual_seed(12)
    x = torch.randn(5, 3, 8, 10, generator=gen)  # odd batch: the middle image mixes with itself
    labels = torch.tensor([0, 2, 1, 2, 0])
    refs = {"x": x, "labels": labels}
    for i, (lam, cutmix, cy, cx, smoothing) in enumerate(MIX_CASES):
        mixed = x.clone()
        effective = timm_mix_batch(mixed, lam, cutmix, cy, cx)
        refs[f"mixed{i}"] = mixed
        refs[f"targets{i}"] = timm_mixup_target(labels, 3, effective, smoothing)
        refs[f"lam{i}"] = torch.tensor([effective], dtype=torch.float32)
    save_safetensors(os.path.join(out, "mixup.safetensors"), refs)


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.93, 0.899, 0.90, 0.95, 0.97, 0.96, 0.8, 0.85, 0.86, 0.87,
                   0.88, 0.89, 0.90, 0.91, 0.92, 0.93, 0.94, 0.95]
PLATEAU_CASES = {  # name: kwargs (two groups at lr 0.1 and 0.01)
    "min_rel": dict(mode="min", factor=0.5, patience=2),
    "min_abs_cooldown": dict(mode="min", factor=0.3, patience=1, threshold=0.02, threshold_mode="abs", cooldown=2),
    "max_rel_minlr": dict(mode="max", factor=0.1, patience=0, threshold=0.01, min_lr=[0.002, 0.0005]),
    "min_eps": dict(mode="min", factor=0.5, patience=0, min_lr=0.004, eps=0.003),
}


def plateau(out):
    refs = {"metrics": torch.tensor(PLATEAU_METRICS, dtype=torch.float32)}
    for name, kwargs in PLATEAU_CASES.items():
        opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1},
                               {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.01}], lr=0.1)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for m in PLATEAU_METRICS:
            # the float32 value the Java test feeds
            sched.step(float(np.float32(m)))
            lrs.append([g["lr"] for g in opt.param_groups])
        refs[name] = torch.tensor(lrs, dtype=torch.float32)
    save_safetensors(os.path.join(out, "plateau.safetensors"), refs)


# timm/utils/model_ema.py, restated: ModelEmaV2.update and ModelEmaV3.get_decay / apply_update_
def ema_v2_update(ema, model_state, decay):
    for k, v in model_state.items():
        ema[k] = decay * ema[k] + (1. - decay) * v if v.is_floating_point() else v.clone()


def ema_v3_decay(step, decay, warmup_gamma=1.0, warmup_power=2 / 3, min_decay=0.0):
    step = max(0, step - 0 - 1)
    if step <= 0:
        return 0.0
    d = 1 - (1 + step / warmup_gamma) ** -warmup_power
    return max(min(d, decay), min_decay)


def ema(out):
    gen = torch.Generator().manual_seed(13)
    torch.manual_seed(13)
    model = tiny_net()
    with torch.no_grad():
        randomize_batchnorm(model, gen)
    refs = {"initial." + k: v.clone() for k, v in model.state_dict().items()}
    v2 = {k: v.clone() for k, v in model.state_dict().items()}
    v3 = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    for step in range(5):
        x = torch.randn(6, 3, 12, 12, generator=gen)
        y = torch.randint(0, 3, (6,), generator=gen)
        refs[f"input{step}"] = x
        refs[f"labels{step}"] = y
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        state = model.state_dict()
        ema_v2_update(v2, state, 0.9)
        d = ema_v3_decay(step + 1, 0.99)
        for k, v in state.items():
            v3[k] = v3[k].lerp(v, 1. - d) if v.is_floating_point() else v.clone()
    refs.update({"v2." + k: v for k, v in v2.items()})
    refs.update({"v3." + k: v for k, v in v3.items()})
    save_safetensors(os.path.join(out, "ema.safetensors"), refs)


# fastai/callback/schedule.py and fastai/learner.py (AvgSmoothLoss), restated
def fastai_smooth(raw, beta=0.98):
    val, out = 0.0, []
    for count, loss in enumerate(raw, start=1):
        val = torch.lerp(torch.tensor(loss), torch.tensor(val), beta).item()
        out.append(val / (1 - beta ** count))
    return out


def fastai_valley(lrs, losses):
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx])


def fastai_steep(lrs, losses):
    grads = (losses[1:] - losses[:-1]) / (lrs[1:].log() - lrs[:-1].log())
    return lrs[grads.argmin()].item()


def lrfind(out):
    num_it, start, end = 60, 1e-5, 1.0
    lrs = [start * (end / start) ** (i / num_it) for i in range(num_it)]
    gen = torch.Generator().manual_seed(14)
    # a loss that falls, flattens and then diverges, with noise
    raw = [2.0 - 1.2 / (1 + math.exp(-(math.log10(lr) + 3) * 3)) + 6 * max(0.0, math.log10(lr) + 1) ** 2
           + 0.05 * torch.randn(1, generator=gen).item() for lr in lrs]
    raw = [float(np.float32(r)) for r in raw]  # the float32 values the Java test reads
    smooth = fastai_smooth(raw)
    lrs_t = torch.tensor(lrs[num_it // 10:-5], dtype=torch.float64)
    losses_t = torch.tensor(smooth[num_it // 10:-5], dtype=torch.float64)
    save_safetensors(os.path.join(out, "lrfind.safetensors"), {
        "lrs": torch.tensor(lrs, dtype=torch.float32),
        "raw": torch.tensor(raw, dtype=torch.float32),
        "smooth": torch.tensor(smooth, dtype=torch.float32),
        "steep": torch.tensor([fastai_steep(lrs_t, losses_t)], dtype=torch.float32),
        "valley": torch.tensor([fastai_valley(lrs_t, losses_t)], dtype=torch.float32),
    })


# sklearn/utils/class_weight.py compute_class_weight('balanced'), restated
def class_weights(out):
    y = np.array([0] * 7 + [1] * 2 + [2] * 11 + [3] * 1)
    weights = len(y) / (4 * np.bincount(y).astype(np.float64))
    save_safetensors(os.path.join(out, "class_weights.safetensors"), {
        "labels": torch.tensor(y, dtype=torch.int64), "balanced": torch.tensor(weights, dtype=torch.float32)})


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    for make in (losses, mixup, plateau, ema, lrfind, class_weights):
        make(out)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(torch.__version__ + "\n")


if __name__ == "__main__":
    main()
