#!/usr/bin/python3
"""Peer benchmark: PyTorch + torchvision transfer-learning training/eval throughput.

The project's copy of ../shared/peers/pytorch/bench.py, extended from resnet18 / resnet50 / vgg16
to every torchvision classification builder (whatever models.list_models() has), so `bench
--models` and this script take the same names.

Mirrors the classic PyTorch transfer-learning tutorial setup:
  * torchvision models, random init (weights=None; no internet
    for pretrained weights -- irrelevant for throughput),
  * new last layer with 2 outputs (ants/bees): the model's last nn.Linear, wherever its family
    keeps it (fc, classifier.6, classifier.1, classifier.3, classifier.2, classifier, heads.head),
  * CrossEntropyLoss, SGD momentum 0.9,
  * "frozen"  = fixed feature extractor: every backbone parameter has
                requires_grad=False, only the new last layer is trained,
  * "full"    = finetune everything, with per-layer-group learning rates
                (vgg: 3 groups, features 1e-4 / classifier[0:6] 5e-4 /
                      classifier[6] 1e-3;
                 others: 2 groups, backbone 1e-4 / new last layer 1e-3),
  * "eval"    = model.eval() + torch.no_grad() forward only.
Inputs are synthetic random tensors (N,3,S,S) and random labels in {0,1}
with a fixed seed, so this measures the model, not JPEG decoding.

Prints one JSON line per configuration on stdout (progress goes to stderr).

Run with Debian's interpreter (/usr/bin/python3), which is the one that sees
the apt-installed python3-torch / python3-torchvision.
"""
import argparse
import json
import os
import statistics
import sys
import time

# Debian's torch does its BLAS calls (Linear layers, torch.mm) through
# OpenBLAS (pthread build), whose thread pool is NOT controlled by
# torch.set_num_threads(); its size is fixed from OPENBLAS_NUM_THREADS when the
# library loads.  Pre-parse --threads so it governs OpenBLAS too.
_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument("--threads", type=int, default=2)
_nthreads = _pre.parse_known_args()[0].threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(_nthreads))
os.environ.setdefault("OMP_NUM_THREADS", str(_nthreads))

import torch
import torch.nn as nn
import torchvision
from torchvision import models

MODES = ("frozen", "full", "eval")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def build_model(name, num_classes, mode):
    """Build the tutorial-style model and return (model, param_groups or None)."""
    ctor = getattr(models, name)
    try:
        model = ctor(weights=None)  # torchvision >= 0.13 API
    except TypeError:  # very old torchvision
        model = ctor(pretrained=False)

    frozen = mode == "frozen"
    if frozen:
        # Tutorial "ConvNet as fixed feature extractor": freeze everything first,
        # then replace the last layer (new module => requires_grad=True).
        for p in model.parameters():
            p.requires_grad = False

    head_path = replace_last_linear(model, num_classes)
    head = list(model.get_submodule(head_path).parameters())
    head_ids = {id(p) for p in head}
    if frozen:
        groups = [{"params": head, "lr": 1e-3}]
    elif name.startswith("vgg"):
        groups = [{"params": list(model.features.parameters()), "lr": 1e-4},
                  {"params": list(model.classifier[:6].parameters()), "lr": 5e-4},
                  {"params": head, "lr": 1e-3}]
    else:
        body = [p for p in model.parameters() if id(p) not in head_ids]
        groups = [{"params": body, "lr": 1e-4},
                  {"params": head, "lr": 1e-3}]
    if mode == "eval":
        groups = None
    return model, groups


def replace_last_linear(model, num_classes):
    """The tutorial's head replacement for any family: the last nn.Linear (the classifier torchvision
    builds last) becomes nn.Linear(in_features, num_classes), with requires_grad on. Returns its path."""
    path, last = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    parent_path, _, child = path.rpartition(".")
    parent = model.get_submodule(parent_path) if parent_path else model
    setattr(parent, child, nn.Linear(last.in_features, num_classes))
    return path


def count_macs(model, size, num_classes_note=None):
    """Multiply-accumulates per image of one forward pass, counted with forward hooks
    on Conv2d and Linear (the layers that carry >99% of the work)."""
    macs = {"conv": 0, "linear": 0}

    def conv_hook(m, inp, out):
        kh, kw = m.kernel_size
        per_out = (m.in_channels // m.groups) * kh * kw
        macs["conv"] += out.numel() // out.shape[0] * per_out

    def lin_hook(m, inp, out):
        macs["linear"] += out.numel() // out.shape[0] * m.in_features

    hs = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hs.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hs.append(m.register_forward_hook(lin_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was_training)
    for h in hs:
        h.remove()
    return macs["conv"] + macs["linear"], macs


def _stat_busy_s():
    """System-wide busy CPU-seconds so far (all CPUs, from /proc/stat)."""
    try:
        v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def median(xs):
    return statistics.median(xs)


def run_config(name, mode, batch, args):
    torch.manual_seed(args.seed)
    model, groups = build_model(name, args.num_classes, mode)
    total_macs, _ = count_macs(model, args.size)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)

    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(batch, 3, args.size, args.size, generator=g).contiguous(memory_format=fmt)
    y = torch.randint(0, args.num_classes, (batch,), generator=g)

    if mode == "eval":
        model.eval()

        def step():
            with torch.no_grad():
                out = model(x)
            return out
    else:
        model.train()  # tutorial calls model.train() in the train phase (BN updates stats)
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(groups, lr=1e-3, momentum=0.9)

        def step():
            optimizer.zero_grad()
            out = model(x)
            loss = criterion(out, y)
            loss.backward()
            optimizer.step()
            return loss

    warmup, steps = args.warmup, args.steps
    load_before = os.getloadavg()[0]
    t_start = time.perf_counter()
    for i in range(warmup):
        t0 = time.perf_counter()
        step()
        log(f"  {name}/{mode}/b{batch} warmup {i}: {time.perf_counter() - t0:.3f}s")
    times = []
    t_timed = time.perf_counter()
    cpu_timed = time.process_time()  # CPU time of all threads of this process
    sys_busy0 = _stat_busy_s()
    for i in range(steps):
        t0 = time.perf_counter()
        step()
        dt = time.perf_counter() - t0
        times.append(dt)
        if (args.time_budget and time.perf_counter() - t_timed > args.time_budget
                and len(times) >= args.min_steps):
            log(f"  time budget hit after {len(times)} timed steps")
            break
    wall_timed = time.perf_counter() - t_timed
    own_cpu = time.process_time() - cpu_timed
    cpu_util = own_cpu / wall_timed
    others_cpu = max(0.0, (_stat_busy_s() - sys_busy0 - own_cpu) / wall_timed)
    load_after = os.getloadavg()[0]
    med = median(times)
    # Work per image: forward = 1x; full training ~ 3x forward (fwd + grad wrt
    # activations + grad wrt weights); frozen training ~ 1x (backward only reaches
    # the tiny new head).  Used only for the informative gflops_per_s field.
    work_factor = {"eval": 1.0, "frozen": 1.0, "full": 3.0}[mode]
    ips = batch / med
    rec = {
        "model": name,
        "mode": mode,
        "batch": batch,
        "size": args.size,
        "threads": torch.get_num_threads(),
        "warmup": warmup,
        "steps": len(times),
        "median_s_per_step": round(med, 5),
        "images_per_s": round(ips, 3),
        "torch_version": torch.__version__,
        # extras
        "torchvision_version": torchvision.__version__,
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "min_s_per_step": round(min(times), 5),
        "max_s_per_step": round(max(times), 5),
        "mean_s_per_step": round(statistics.fmean(times), 5),
        "fwd_gmacs_per_image": round(total_macs / 1e9, 4),
        "approx_gflops_per_s": round(ips * total_macs * 2 * work_factor / 1e9, 1),
        "channels_last": bool(args.channels_last),
        "num_classes": args.num_classes,
        # ~= threads when this process had the cores to itself; noticeably lower
        # means it was preempted (shared machine) -> treat the number as noisy.
        "cpu_util_timed": round(cpu_util, 2),
        # average number of CPUs busy with OTHER processes during the timed steps;
        # ~0 on a quiet box.  > ~0.2 means the figure is contaminated.
        "others_cpu_timed": round(others_cpu, 2),
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(load_after, 2),
        "wall_s": round(time.perf_counter() - t_start, 2),
    }
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="resnet18,resnet50,vgg16",
                    help="comma list of torchvision builder names (models.list_models())")
    ap.add_argument("--modes", default="frozen,full,eval",
                    help="comma list from %s" % (MODES,))
    ap.add_argument("--batch", type=int, default=16, help="training batch size")
    ap.add_argument("--eval-batch", type=int, default=32, help="batch size for eval mode")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads(N)")
    ap.add_argument("--interop-threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--time-budget", type=float, default=None,
                    help="stop timed steps after this many seconds (once --min-steps done)")
    ap.add_argument("--min-steps", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="warmup 2, steps 5, timed phase capped at ~15 s (>= --min-steps)")
    ap.add_argument("--num-classes", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="TIMEOUT_S",
                    help="before each config wait (up to TIMEOUT_S) until system CPU "
                         "busy <= 10%% for 5 s; for shared/noisy machines")
    ap.add_argument("--retries", type=int, default=0,
                    help="re-run a config up to this many times while others_cpu_timed "
                         "> --max-others; the least contaminated attempt is printed")
    ap.add_argument("--max-others", type=float, default=0.15)
    ap.add_argument("--channels-last", action="store_true",
                    help="use torch.channels_last memory format (not in the tutorial)")
    args = ap.parse_args()

    if args.quick:
        args.warmup = 2 if args.warmup is None else args.warmup
        args.steps = 5 if args.steps is None else args.steps
        args.time_budget = 15.0 if args.time_budget is None else args.time_budget
    else:
        args.warmup = 3 if args.warmup is None else args.warmup
        args.steps = 20 if args.steps is None else args.steps

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.interop_threads)
    except RuntimeError:
        pass
    models_ = [m.strip() for m in args.models.split(",") if m.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    known = models.list_models(module=models)
    for m in models_:
        if m not in known:
            ap.error(f"unknown model {m}; torchvision {torchvision.__version__} has {', '.join(known)}")
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m}")

    for name in models_:
        for mode in modes:
            batch = args.eval_batch if mode == "eval" else args.batch
            log(f"== {name} {mode} batch={batch} size={args.size} threads={args.threads}")
            best = None
            for attempt in range(1, args.retries + 2):
                waited = None
                if args.wait_quiet > 0:
                    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
                    from wait_quiet import wait_quiet
                    waited = wait_quiet(timeout=args.wait_quiet, log=log)
                    log(f"  quiet wait: {waited}")
                rec = run_config(name, mode, batch, args)
                rec["attempt"] = attempt
                if args.wait_quiet > 0:
                    rec["waited_quiet_s"] = None if waited is None else round(waited, 1)
                if best is None or rec["others_cpu_timed"] < best["others_cpu_timed"]:
                    best = rec
                if rec["others_cpu_timed"] <= args.max_others:
                    break
                log(f"  contaminated (others_cpu_timed={rec['others_cpu_timed']}), retrying")
            rec = best
            rec["clean"] = rec["others_cpu_timed"] <= args.max_others
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
