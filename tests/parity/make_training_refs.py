#!/usr/bin/python3
"""Reference data for the training parity tests: three optimizer steps in torch.

Cases (64x64 inputs, 4 images per batch, a different seeded batch per step):
  vgg16_sgd      vgg16 with classifier.6 = Linear(4096, 2) and dropout 0 (random masks cannot
                 match across frameworks), SGD momentum 0.9 with the seeds' three groups:
                 features 1e-4, classifier.0/.3 5e-4, classifier.6 1e-3; all weights trainable.
  resnet18_adamw resnet18 with fc = Linear(512, 3), AdamW(lr 1e-3, weight_decay 0.01, eps 1e-3),
                 all trainable, model.train() (BatchNorm uses and updates batch statistics).
                 eps is raised from 1e-8 because Adam's first steps move every weight by about
                 lr * sign(g): where a gradient is at float32 noise level (some conv1 entries are),
                 two correct implementations flip signs and differ by 2 lr, far above 1e-4.
  resnet18_head  the tutorial's fixed feature extractor: requires_grad False except fc, AdamW on
                 fc only, model.train() (frozen BatchNorm layers still update running stats).
Saved per case: the initial state_dict (.pth), the batches and losses, and the final state_dict.
Float64 cases (see float64_cases and FAMILIES): one model of each family of the zoo, each with
SGD momentum 0.9 (weight decay 1e-4) and AdamW (weight decay 0.05, eps 1e-3), two groups (the head
at lr 1e-3, the rest at 1e-4), dropout and stochastic depth off, 2 images per batch at the family's
input size (128 px for resnext50_32x4d, densenet121, regnet_y_400mf; 64 px for the others), saved
as above but with losses_f64/losses_f32 and final-f64/final-f32 state_dicts.
Also schedules.safetensors: learning rates of torch's schedulers per epoch / step.
Each case's NAME-io.safetensors is written last: its presence says the case is complete.

Usage: /usr/bin/python3 make_training_refs.py OUT_DIR            (tiny variants, schedules, VERSION)
       /usr/bin/python3 make_training_refs.py OUT_DIR CASE ...   (the named cases only: 0.1-0.7 GB each)
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import randomize_batchnorm, randomize_layer_norm_and_scale, save_safetensors  # noqa: E402


def vgg16_sgd():
    model = torchvision.models.vgg16(dropout=0.0)
    model.classifier[6] = nn.Linear(4096, 2)
    groups = [
        {"params": model.features.parameters(), "lr": 1e-4},
        {"params": list(model.classifier[0].parameters()) + list(model.classifier[3].parameters()), "lr": 5e-4},
        {"params": model.classifier[6].parameters(), "lr": 1e-3},
    ]
    return model, torch.optim.SGD(groups, lr=1e-3, momentum=0.9), 2


def resnet18_adamw():
    model = torchvision.models.resnet18()
    model.fc = nn.Linear(512, 3)
    return model, torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01, eps=1e-3), 3


def resnet18_head():
    model = torchvision.models.resnet18()
    for p in model.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(512, 3)
    return model, torch.optim.AdamW(model.fc.parameters(), lr=1e-3, weight_decay=0.01), 3


def two_groups(model, head, head_lr, rest_lr, weight_decay):
    """The head with its own learning rate, everything else in a second group."""
    head_params = list(head.parameters())
    head_ids = {id(p) for p in head_params}
    rest = [p for p in model.parameters() if id(p) not in head_ids]
    return [{"params": head_params, "lr": head_lr, "weight_decay": weight_decay},
            {"params": rest, "lr": rest_lr, "weight_decay": weight_decay}]


CASES = {"vgg16_sgd": vgg16_sgd, "resnet18_adamw": resnet18_adamw, "resnet18_head": resnet18_head}


# Families checked against float64 truth, each with both optimizers: architecture -> (model with
# dropout and stochastic depth off and a 3-class head, its head module; input size; the names' ends
# of each residual branch's last BatchNorm, whose gamma is scaled by 0.1 as explained below).
def resnext50():
    model = torchvision.models.resnext50_32x4d()
    model.fc = nn.Linear(2048, 3)
    return model, model.fc


def densenet121():
    model = torchvision.models.densenet121()
    model.classifier = nn.Linear(1024, 3)
    return model, model.classifier


def regnet_y_400mf():
    model = torchvision.models.regnet_y_400mf()
    model.fc = nn.Linear(440, 3)
    return model, model.fc


def convnext_tiny():
    model = torchvision.models.convnext_tiny(stochastic_depth_prob=0.0)
    model.classifier[2] = nn.Linear(768, 3)
    return model, model.classifier[2]


def mobilenet_v2():
    model = torchvision.models.mobilenet_v2(dropout=0.0)
    model.classifier[1] = nn.Linear(1280, 3)
    return model, model.classifier


def mobilenet_v3_small():
    model = torchvision.models.mobilenet_v3_small(dropout=0.0)
    model.classifier[3] = nn.Linear(1024, 3)
    return model, model.classifier


def efficientnet(builder, channels):
    def make():
        model = builder(stochastic_depth_prob=0.0)
        model.classifier[0].p = 0.0
        model.classifier[1] = nn.Linear(channels, 3)
        return model, model.classifier
    return make


# MBConv branches end in block.3 (expand, depthwise, SE, project) or block.2 (no expansion, or no SE)
MBCONV_ENDS = ("block.2.1", "block.3.1")
FAMILIES = {
    "resnext50_32x4d": (resnext50, 128, ("bn3",)),
    "densenet121": (densenet121, 128, ()),
    "regnet_y_400mf": (regnet_y_400mf, 128, ("f.c.1",)),
    "convnext_tiny": (convnext_tiny, 64, ()),
    "mobilenet_v2": (mobilenet_v2, 64, ("conv.3",)),
    "mobilenet_v3_small": (mobilenet_v3_small, 64, MBCONV_ENDS),
    "efficientnet_b0": (efficientnet(torchvision.models.efficientnet_b0, 1280), 64, MBCONV_ENDS),
    # FusedMBConv: block.1 (fused expand, project) or block.0 (no expansion)
    "efficientnet_v2_s": (efficientnet(torchvision.models.efficientnet_v2_s, 1280), 64,
                          MBCONV_ENDS + ("block.0.1", "block.1.1")),
}
# optimizer -> (factory of its param groups, weight decay); the head at 10x the backbone's lr (1e-3 / 1e-4);
# AdamW's eps is 1e-3 as explained above
OPTIMIZERS = {"sgd": (lambda groups: torch.optim.SGD(groups, momentum=0.9), 1e-4),
              "adamw": (lambda groups: torch.optim.AdamW(groups, eps=1e-3), 0.05)}
# (family, optimizer) in seed order: the first three cases keep their seeds when cases are added
FLOAT64_CASES = [("resnext50_32x4d", "sgd"), ("densenet121", "sgd"), ("regnet_y_400mf", "adamw"),
                 ("resnext50_32x4d", "adamw"), ("densenet121", "adamw"), ("regnet_y_400mf", "sgd"),
                 ("convnext_tiny", "sgd"), ("convnext_tiny", "adamw"), ("mobilenet_v2", "sgd"),
                 ("mobilenet_v2", "adamw"), ("mobilenet_v3_small", "sgd"), ("mobilenet_v3_small", "adamw"),
                 ("efficientnet_b0", "sgd"), ("efficientnet_b0", "adamw"), ("efficientnet_v2_s", "sgd"),
                 ("efficientnet_v2_s", "adamw")]


def float64_cases(out, selected):
    """Random-init deep nets in train mode are ill-conditioned: with unit-scale residual branches the
    activations grow block by block and torch float32 and float64 of the same three steps differ by
    up to 5% in the loss. So, as torchvision's zero_init_residual does for real training, the last
    BatchNorm gamma of each residual branch is scaled by 0.1, the deep nets' inputs are 128 px (4x4
    in the last stage) and learning rates small. Each case still runs in float64 and float32 from
    the same float32 initial state and batches: the test takes float64 as truth and torch float32's distance
    from it as the yardstick."""
    for seed, (family, optimizer_name) in enumerate(FLOAT64_CASES):
        name = f"{family}_{optimizer_name}"
        if name not in selected:
            continue
        make, size, branch_ends = FAMILIES[family]
        make_optimizer, weight_decay = OPTIMIZERS[optimizer_name]
        torch.manual_seed(400 + seed)
        gen = torch.Generator().manual_seed(500 + seed)
        model, head = make()
        with torch.no_grad():
            randomize_batchnorm(model, gen)
            randomize_layer_norm_and_scale(model, gen)
            for module_name, module in model.named_modules():
                if isinstance(module, nn.BatchNorm2d) and module_name.endswith(branch_ends):
                    module.weight.mul_(0.1)
        initial = {k: v.clone() for k, v in model.state_dict().items()}
        torch.save(initial, os.path.join(out, f"{name}-initial.pth"))
        io = {}
        for step in range(3):
            io[f"input{step}"] = torch.randn(2, 3, size, size, generator=gen)
            io[f"labels{step}"] = torch.randint(0, 3, (2,), generator=gen)
        for dtype, suffix in ((torch.float64, "f64"), (torch.float32, "f32")):
            model.load_state_dict(initial)
            model.to(dtype).train()
            optimizer = make_optimizer(two_groups(model, head, 1e-3, 1e-4, weight_decay))
            losses = []
            for step in range(3):
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(io[f"input{step}"].to(dtype)), io[f"labels{step}"])
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            io[f"losses_{suffix}"] = torch.tensor(losses, dtype=torch.float32)
            save_safetensors(os.path.join(out, f"{name}-final-{suffix}.safetensors"),
                             {k: v.float() if v.is_floating_point() else v for k, v in model.state_dict().items()})
            print(name, suffix, losses, file=sys.stderr)
        save_safetensors(os.path.join(out, f"{name}-io.safetensors"), io)


def tiny_net():
    """Conv-BN-ReLU-MaxPool-AdaptiveAvgPool-Flatten-Linear, the same as TinyNet in the Java tests.
    The conv has no bias, as before every BatchNorm in torchvision: BN cancels it, so its gradient
    is float noise that Adam would amplify to full-size steps of random sign."""
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, 2),
                         nn.AdaptiveAvgPool2d((3, 3)), nn.Flatten(), nn.Linear(36, 3))


# optimizer variants on the tiny net: (name, optimizer factory, label smoothing)
TINY_VARIANTS = [
    ("sgd_plain_wd", lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01), 0.0),
    ("sgd_nesterov_wd", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), 0.0),
    ("sgd_dampening", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.3), 0.1),
    ("adam_l2", lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01), 0.0),
    ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1), 0.2),
]


def tiny_variants(out):
    gen = torch.Generator().manual_seed(300)
    torch.manual_seed(300)
    initial = tiny_net()
    with torch.no_grad():
        randomize_batchnorm(initial, gen)
    torch.save(initial.state_dict(), os.path.join(out, "tiny-initial.pth"))
    io = {}
    for step in range(5):
        io[f"input{step}"] = torch.randn(8, 3, 12, 12, generator=gen)
        io[f"labels{step}"] = torch.randint(0, 3, (8,), generator=gen)
    save_safetensors(os.path.join(out, "tiny-io.safetensors"), io)
    for name, make, smoothing in TINY_VARIANTS:
        model = tiny_net()
        model.load_state_dict(initial.state_dict())
        model.train()
        optimizer = make(model.parameters())
        loss_fn = nn.CrossEntropyLoss(label_smoothing=smoothing)
        losses = []
        for step in range(5):
            optimizer.zero_grad()
            loss = loss_fn(model(io[f"input{step}"]), io[f"labels{step}"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        final = dict(model.state_dict())
        final["losses"] = torch.tensor(losses, dtype=torch.float32)
        save_safetensors(os.path.join(out, f"tiny-{name}.safetensors"), final)


def schedules():
    def run(make, steps):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return torch.tensor(lrs, dtype=torch.float32)

    S = torch.optim.lr_scheduler
    return {
        "step_lr_7_0.1": run(lambda o: S.StepLR(o, step_size=7, gamma=0.1), 25),
        "multistep_3_6_0.5": run(lambda o: S.MultiStepLR(o, milestones=[3, 6], gamma=0.5), 10),
        "cosine_10_1e-3": run(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=1e-3), 10),
        "warmup3_cosine7": run(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3),
                                                            S.CosineAnnealingLR(o, T_max=7)], milestones=[3]), 10),
        "onecycle_50": run(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=50), 50),
    }


def three_step_cases(out, selected):
    for seed, (name, make) in enumerate(CASES.items()):
        if name not in selected:
            continue
        torch.manual_seed(100 + seed)
        gen = torch.Generator().manual_seed(200 + seed)
        model, optimizer, classes = make()
        with torch.no_grad():
            randomize_batchnorm(model, gen)
            randomize_layer_norm_and_scale(model, gen)
            # torchvision zero-initializes biases; a zero bias would make "parameter within 1e-4"
            # a test of the raw gradient, whose float32 noise in VGG's first layers is ~1%
            for pname, p in model.named_parameters():
                if pname.endswith("bias") and not p.any():
                    p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
        torch.save(model.state_dict(), os.path.join(out, f"{name}-initial.pth"))
        model.train()
        loss_fn = nn.CrossEntropyLoss()
        io = {}
        losses = []
        for step in range(3):
            x = torch.randn(4, 3, 64, 64, generator=gen)
            y = torch.randint(0, classes, (4,), generator=gen)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            io[f"input{step}"] = x
            io[f"labels{step}"] = y
            losses.append(loss.item())
        io["losses"] = torch.tensor(losses, dtype=torch.float32)
        save_safetensors(os.path.join(out, f"{name}-final.safetensors"),
                         {k: v for k, v in model.state_dict().items()})
        save_safetensors(os.path.join(out, f"{name}-io.safetensors"), io)
        print(name, losses, file=sys.stderr)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    selected = set(sys.argv[2:])
    if selected:
        known = set(CASES) | {f"{family}_{optimizer}" for family, optimizer in FLOAT64_CASES}
        if selected - known:
            sys.exit(f"unknown cases {sorted(selected - known)}; known: {sorted(known)}")
        three_step_cases(out, selected)
        float64_cases(out, selected)
        return
    tiny_variants(out)
    save_safetensors(os.path.join(out, "schedules.safetensors"), schedules())
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"torch {torch.__version__} torchvision {torchvision.__version__}\n")


if __name__ == "__main__":
    main()
