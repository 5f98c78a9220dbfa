#!/usr/bin/python3
"""Whole training runs, PyTorch's tutorial loop against this project's `train` CLI, with statistics.

Both sides train resnet18 on the same Fashion-MNIST ImageFolder (bench/make_fashion_mnist.py) with one
recipe: fc -> Linear(512, classes), SGD momentum 0.9, lr 1e-2 for fc and 1e-3 for the other trainable
weights, StepLR(7, 0.1), batch 16, RandomResizedCrop(96) + horizontal flip, val Resize(109) +
CenterCrop(96), ImageNet normalization, BatchNorm in train mode (the tutorial's model.train()), and
report the tutorial's number: the best validation accuracy over the epochs.

Scenarios:
  scratch  torchvision's random init, all 10 classes, everything trains
  frozen   weights pretrained by torch on classes 0-4, trained on classes 5-9: only fc trains
  layer4   the same, layer4 and fc train
  all      the same, every layer trains
Runs are paired: for each seed, the driver writes one initial-weights file (torchvision's init, or
the pretrained backbone, and a new fc, from torch.manual_seed(seed)); the torch run loads it and the
project run gets it as model.weights. With --pairing draws (the default) the pair also shares its
data: the driver asks the project for the run's sample order and each sample's crop box and flip
(`train-draws`, same config and seed as the project run) and the torch run replays them with
torchvision's functional resized_crop (bilinear) and hflip, so both sides see the same images in the
same batches and the difference left is the implementation. With --pairing init, data order and
augmentation come from each side's own seeded generator and differ within a pair. The sides
alternate (torch first for even seeds). Each run is a separate process, so the wall times include
Python's and the JVM's start (not the draws dump, which runs before both).

Per run, one JSON line on stdout (also appended to WORK/results.jsonl); at the end, per scenario and pairing:
mean and sd of each side, the mean paired difference (project - torch) with its 95% t interval and
a bootstrap interval, Welch's interval ignoring the pairing, and the mean wall time per side.

Usage (from the repository root, after `mvn -q package -DskipTests`):
  /usr/bin/python3 bench/compare_training.py [--seeds 30] [--first-seed 0]
      [--scenarios scratch,frozen,layer4,all] [--epochs 3] [--data runs/fashion-mnist]
      [--work runs/compare-training] [--pretrain-epochs 5] [--pairing draws|init] [--concurrent]
  /usr/bin/python3 bench/compare_training.py --summarize runs/compare-training/results.jsonl
Needs Debian's python3-torch, python3-torchvision and dataset-fashion-mnist (apt).
"""
import argparse
import concurrent.futures
import copy
import glob
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = ("scratch", "frozen", "layer4", "all")
FC_LR, REST_LR = 1e-2, 1e-3
CROP = 96
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
PAIRINGS = ("draws", "init")
# the trainable modules besides fc; None = all of them
TRAINABLE = {"scratch": None, "frozen": [], "layer4": ["layer4"], "all": None}


def dataset_of(scenario):
    return "all" if scenario == "scratch" else "transfer"


# ---------------------------------------------------------------- the PyTorch side (tutorial loop)

def torch_loaders(root, workers, draws=None):
    """The tutorial's loaders; with `draws` (a `train-draws` dump), the train loader replays the project's
    epochs instead of shuffling and augmenting on its own."""
    import torch
    from torchvision import datasets, transforms
    normalize = transforms.Normalize(MEAN, STD)
    tf = {"train": transforms.Compose([transforms.RandomResizedCrop(CROP), transforms.RandomHorizontalFlip(),
                                       transforms.ToTensor(), normalize]),
          "val": transforms.Compose([transforms.Resize(109), transforms.CenterCrop(CROP), transforms.ToTensor(),
                                     normalize])}
    sets = {x: datasets.ImageFolder(os.path.join(root, x), tf[x]) for x in ("train", "val")}
    loaders = {x: torch.utils.data.DataLoader(sets[x], batch_size=16, shuffle=(x == "train"), num_workers=workers)
               for x in ("train", "val")}
    if draws is not None:
        with open(draws) as f:
            dump = json.load(f)
        if dump["classes"] != sets["train"].classes:
            sys.exit(f"{draws}: classes {dump['classes']} differ from torchvision's {sets['train'].classes}")
        loaders["train"] = replay_loader(dump, workers)
    return loaders, {x: len(sets[x]) for x in sets}, sets["train"].classes


class ReplayedSamples:
    """A train-draws dump as a map-style dataset keyed by (epoch number in the dump, position): the
    project's image file, label, and its crop box and flip applied with torchvision's functional ops."""

    def __init__(self, dump):
        self.epochs = [epoch["samples"] for epoch in dump["epochs"]]

    def __getitem__(self, key):
        from PIL import Image
        from torchvision.transforms import functional
        sample = self.epochs[key[0]][key[1]]
        with open(sample["source"], "rb") as f:
            image = Image.open(f).convert("RGB")
        for draw in sample["draws"]:
            op, params = draw["op"], draw["params"]
            if op == "RandomResizedCrop":
                image = functional.resized_crop(image, params["top"], params["left"], params["height"],
                                                params["width"], [CROP, CROP],
                                                functional.InterpolationMode.BILINEAR)
            elif op == "RandomHorizontalFlip":
                image = functional.hflip(image) if params else image
            else:
                raise ValueError(f"cannot replay a {op} draw")
        return functional.normalize(functional.to_tensor(image), MEAN, STD), sample["label"]


class ReplayedBatches:
    """Batch sampler of a train-draws dump: each pass over it is the dump's next epoch, in its batches."""

    def __init__(self, dump):
        self.batches = []
        for e, epoch in enumerate(dump["epochs"]):
            batches = {}
            for k, sample in enumerate(epoch["samples"]):
                batches.setdefault(sample["batch"], []).append((e, k))
            self.batches.append([batches[b] for b in sorted(batches)])
        self.passes = 0

    def __len__(self):
        return len(self.batches[min(self.passes, len(self.batches) - 1)])

    def __iter__(self):
        # an epoch begins at the first batch taken: torch's worker processes call iter() twice per epoch
        if self.passes == len(self.batches):
            raise RuntimeError(f"the draws dump holds {len(self.batches)} epochs; pass --epochs to train-draws")
        self.passes += 1
        yield from self.batches[self.passes - 1]


def replay_loader(dump, workers):
    import torch
    return torch.utils.data.DataLoader(ReplayedSamples(dump), batch_sampler=ReplayedBatches(dump),
                                       num_workers=workers)


def train_model(model, loaders, sizes, optimizer, scheduler, epochs):
    """The tutorial's train_model: a train and a val phase per epoch; returns per-epoch val accuracies."""
    import torch
    criterion = torch.nn.CrossEntropyLoss()
    accuracies = []
    best_acc, best_wts = 0.0, copy.deepcopy(model.state_dict())
    for _ in range(epochs):
        for phase in ("train", "val"):
            model.train() if phase == "train" else model.eval()
            running_loss, running_corrects = 0.0, 0
            for inputs, labels in loaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data).item()
            if phase == "train":
                scheduler.step()
            epoch_acc = running_corrects / sizes[phase]
            if phase == "val":
                accuracies.append(epoch_acc)
                if epoch_acc > best_acc:
                    best_acc, best_wts = epoch_acc, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_wts)
    return accuracies


def resnet18(classes):
    import torch
    import torchvision
    model = torchvision.models.resnet18()
    model.fc = torch.nn.Linear(512, classes)
    return model


def torch_run(args):
    """One torch run (a child process of the driver): prints its JSON result."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    loaders, sizes, classes = torch_loaders(args.dataset, args.workers, args.draws)
    model = resnet18(len(classes))
    model.load_state_dict(torch.load(args.init))
    trainable = TRAINABLE[args.scenario]
    if trainable is None:
        rest = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
    else:
        for p in model.parameters():
            p.requires_grad = False
        rest = [p for m in trainable for p in getattr(model, m).parameters()]
        for p in list(rest) + list(model.fc.parameters()):
            p.requires_grad = True
    groups = [{"params": model.fc.parameters(), "lr": FC_LR}] + ([{"params": rest, "lr": REST_LR}] if rest else [])
    optimizer = torch.optim.SGD(groups, lr=REST_LR, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    accuracies = train_model(model, loaders, sizes, optimizer, scheduler, args.epochs)
    print(json.dumps({"val_acc": accuracies}))


def torch_pretrain(args):
    """resnet18 from torchvision's init on the pretraining split; saves its state_dict."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1000)
    loaders, sizes, classes = torch_loaders(args.dataset, args.workers)
    model = resnet18(len(classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    accuracies = train_model(model, loaders, sizes, optimizer, scheduler, args.epochs)
    torch.save(model.state_dict(), args.out + ".tmp")
    os.replace(args.out + ".tmp", args.out)
    print(json.dumps({"val_acc": accuracies}))


def write_initial_weights(scenario, seed, classes, pretrained, out):
    """torchvision's init (scratch) or the pretrained backbone, with a new fc; seeded by `seed`."""
    import torch
    torch.manual_seed(seed)
    model = resnet18(classes)
    if scenario != "scratch":
        backbone = {k: v for k, v in torch.load(pretrained).items() if not k.startswith("fc.")}
        model.load_state_dict(backbone, strict=False)
    torch.save(model.state_dict(), out + ".tmp")
    os.replace(out + ".tmp", out)


# ---------------------------------------------------------------- the project side

def project_config(scenario, dataset, epochs, workers, threads):
    trainable = TRAINABLE[scenario]
    groups = [{"name": "fc", "params": ["fc"], "lr": FC_LR}]
    if trainable is None:
        freeze, unfreeze = ["none"], []
        groups.append({"name": "rest", "lr": REST_LR})
    else:
        freeze, unfreeze = ["all-but-head"], list(trainable)
        if trainable:
            groups.append({"name": "+".join(trainable), "params": list(trainable), "lr": REST_LR})
    stage = {"name": "train", "epochs": epochs, "optimizer": {"type": "sgd", "momentum": 0.9}, "groups": groups,
             "schedule": {"type": "step", "step_size": 7, "gamma": 0.1}}
    if unfreeze:
        stage["unfreeze"] = unfreeze
    # JSON is YAML: the config needs no YAML writer
    return {"model": {"arch": "resnet18"},
            "data": {"root": dataset, "batch_size": 16, "val_batch_size": 16, "workers": workers,
                     "train_transforms": [{"random_resized_crop": {"size": 96}}, {"horizontal_flip": {"p": 0.5}}],
                     "val_transforms": [{"resize": {"size": 109}}, {"center_crop": {"size": 96}}]},
            "freeze": freeze, "batchnorm": "train", "stages": [stage], "threads": threads, "inter_op_threads": threads,
            # the tutorial does not validate the untrained model; it would only cost time here
            "validate_before_training": False}


def project_run(jar, config_file, init, seed, out_dir):
    run(["java", "-jar", jar, "train", "--config", config_file, "--set", f"model.weights={init}", "--set",
         seed_override(seed), "--set", f"output_dir={out_dir}"])
    (run_dir,) = glob.glob(os.path.join(out_dir, "run-*"))
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f]
    # epoch 0 is the project's validation of the untrained head, which the tutorial does not have
    return [float(r["acc"]) for r in rows if r["phase"] == "val" and int(r["epoch"]) > 0]


def seed_override(seed):
    """The one --set that makes a project run's seed: `seed` drives data order and augmentation too (the
    configs set no data.seed), for the run and for its train-draws dump alike."""
    return f"seed={seed}"


def write_draws(jar, config_file, seed, epochs, out):
    """The project's sample order and crop/flip draws for `epochs` epochs of this config and seed."""
    dump = run(["java", "-jar", jar, "train-draws", "--config", config_file, "--set", seed_override(seed),
                "--epochs", str(epochs)])
    with open(out + ".tmp", "w") as f:
        f.write(dump)
    os.replace(out + ".tmp", out)


# ---------------------------------------------------------------- statistics

def t_quantile(df):
    try:
        from scipy.stats import t
        return float(t.ppf(0.975, df))
    except ImportError:  # normal approximation, a little narrow for small df
        return 1.96


def bootstrap(values_a, values_b=None, draws=10000):
    """95% percentile interval of mean(a) (paired differences) or mean(a) - mean(b)."""
    rng = random.Random(0)
    stats = []
    for _ in range(draws):
        a = [rng.choice(values_a) for _ in values_a]
        stats.append(statistics.fmean(a) - (statistics.fmean([rng.choice(values_b) for _ in values_b])
                                            if values_b else 0.0))
    stats.sort()
    return stats[int(0.025 * draws)], stats[int(0.975 * draws) - 1]


def summarize(results):
    lines = []
    for scenario, pairing in itertools.product(SCENARIOS, PAIRINGS):
        # results from before --pairing existed shared only the initial weights
        rows = [r for r in results if r["scenario"] == scenario and r.get("pairing", "init") == pairing]
        if not rows:
            continue
        by_side = {s: {r["seed"]: r for r in rows if r["side"] == s} for s in ("torch", "project")}
        torch_acc = [r["best_val_acc"] for r in by_side["torch"].values()]
        ours_acc = [r["best_val_acc"] for r in by_side["project"].values()]
        lines.append(f"{scenario}, pairing {pairing}: best val acc over the epochs")
        for side, acc in (("torch", torch_acc), ("project", ours_acc)):
            wall = statistics.fmean(r["wall_s"] for r in by_side[side].values())
            sd = statistics.stdev(acc) if len(acc) > 1 else float("nan")
            lines.append(f"  {side:8s} n={len(acc):3d} mean {statistics.fmean(acc):.4f} sd {sd:.4f} "
                         f"range {min(acc):.3f}-{max(acc):.3f}, wall {wall:.1f} s/run")
        paired = [by_side["project"][s]["best_val_acc"] - by_side["torch"][s]["best_val_acc"]
                  for s in sorted(by_side["torch"].keys() & by_side["project"].keys())
                  if by_side["project"][s]["init"] == by_side["torch"][s]["init"]]
        if len(paired) > 1:
            mean, sd = statistics.fmean(paired), statistics.stdev(paired)
            half = t_quantile(len(paired) - 1) * sd / math.sqrt(len(paired))
            lo, hi = bootstrap(paired)
            verdict = "meets" if mean + half >= 0 and half <= 0.03 else "misses"
            lines.append(f"  paired difference (project - torch), {len(paired)} pairs: {mean:+.4f} "
                         f"95% CI [{mean - half:+.4f}, {mean + half:+.4f}] (half-width {half:.4f}; sd {sd:.4f}); "
                         f"bootstrap [{lo:+.4f}, {hi:+.4f}]; target (CI contains 0 or lies above, half-width "
                         f"<= 0.03): {verdict}")
        if len(torch_acc) > 1 and len(ours_acc) > 1:
            va, vb = statistics.variance(ours_acc) / len(ours_acc), statistics.variance(torch_acc) / len(torch_acc)
            diff = statistics.fmean(ours_acc) - statistics.fmean(torch_acc)
            se = math.sqrt(va + vb)
            df = (va + vb) ** 2 / (va ** 2 / (len(ours_acc) - 1) + vb ** 2 / (len(torch_acc) - 1)) if se > 0 else 1
            half = t_quantile(df) * se
            lo, hi = bootstrap(ours_acc, torch_acc)
            lines.append(f"  Welch (unpaired): {diff:+.4f} 95% CI [{diff - half:+.4f}, {diff + half:+.4f}] "
                         f"(df {df:.1f}); bootstrap [{lo:+.4f}, {hi:+.4f}]")
    return "\n".join(lines)


# ---------------------------------------------------------------- the driver

def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def run(command):
    """stdout of command; on failure, exits with the end of its stderr."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} ... failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def timed(command):
    start = time.monotonic()
    out = run(command)
    return time.monotonic() - start, out


def drive(args):
    jar = os.path.join(ROOT, "target", "tfj-transfer.jar")
    if not os.path.exists(jar):
        sys.exit(f"{jar} is missing: run `mvn -q package -DskipTests` first")
    scenarios = args.scenarios.split(",")
    for s in scenarios:
        if s not in SCENARIOS:
            sys.exit(f"--scenarios: unknown scenario '{s}'; expected some of {','.join(SCENARIOS)}")
    data, work = os.path.abspath(args.data), os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    if not all(os.path.isdir(os.path.join(data, d)) for d in ("all", "transfer", "pretrain")):
        run(["/usr/bin/python3", os.path.join(ROOT, "bench", "make_fashion_mnist.py"), data])
    me = os.path.abspath(__file__)
    # concurrent pairs: one core per side, which keeps both cores busy; wall times are then per-core figures
    threads = 1 if args.concurrent else 2
    pretrained = os.path.join(work, "pretrained-resnet18.pth")
    if any(s != "scratch" for s in scenarios) and not os.path.exists(pretrained):
        print(f"# pretraining resnet18 on {data}/pretrain ({args.pretrain_epochs} epochs)", file=sys.stderr)
        seconds, out = timed(["/usr/bin/python3", me, "torch-pretrain", "--dataset", os.path.join(data, "pretrain"),
                              "--epochs", str(args.pretrain_epochs), "--out", pretrained, "--workers",
                              str(args.workers), "--threads", str(threads)])
        print(f"# pretrained in {seconds:.0f} s, val acc per epoch {json.loads(out)['val_acc']}", file=sys.stderr)
    configs = {}
    for s in scenarios:
        configs[s] = os.path.join(work, f"config-{s}.yaml")
        with open(configs[s], "w") as f:
            json.dump(project_config(s, os.path.join(data, dataset_of(s)), args.epochs, args.workers, threads), f,
                      indent=1)
    results = []
    with open(os.path.join(work, "results.jsonl"), "a") as log:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for scenario in scenarios:
                dataset = os.path.join(data, dataset_of(scenario))
                classes = len(os.listdir(os.path.join(dataset, "train")))
                init = os.path.join(work, f"init-{scenario}-{seed}.pth")
                write_initial_weights(scenario, seed, classes, pretrained, init)
                draws = None
                if args.pairing == "draws":
                    draws = os.path.join(work, f"draws-{scenario}-{seed}.json")
                    write_draws(jar, configs[scenario], seed, args.epochs, draws)
                sides = ("torch", "project") if seed % 2 == 0 else ("project", "torch")

                def run_side(side, dataset=dataset, init=init, scenario=scenario, seed=seed, draws=draws):
                    load = loadavg()
                    if side == "torch":
                        seconds, out = timed(["/usr/bin/python3", me, "torch-run", "--dataset", dataset, "--init", init,
                                              "--scenario", scenario, "--seed", str(seed), "--epochs",
                                              str(args.epochs), "--workers", str(args.workers), "--threads",
                                              str(threads)] + (["--draws", draws] if draws else []))
                        accuracies = json.loads(out)["val_acc"]
                    else:
                        with tempfile.TemporaryDirectory(dir=work) as out_dir:
                            start = time.monotonic()
                            accuracies = project_run(jar, configs[scenario], init, seed, out_dir)
                            seconds = time.monotonic() - start
                    return {"side": side, "scenario": scenario, "seed": seed, "best_val_acc": max(accuracies),
                            "last_val_acc": accuracies[-1], "val_acc": accuracies, "epochs": args.epochs,
                            "wall_s": round(seconds, 1), "load_before": load, "init": os.path.basename(init),
                            "threads": threads, "concurrent": args.concurrent, "pairing": args.pairing}

                if args.concurrent:
                    with concurrent.futures.ThreadPoolExecutor(2) as pool:
                        rows = list(pool.map(run_side, sides))
                else:
                    rows = [run_side(side) for side in sides]
                for row in rows:
                    results.append(row)
                    print(json.dumps(row), flush=True)
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                os.remove(init)
                if draws:
                    os.remove(draws)
    print(summarize(results))


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("torch-run", "torch-pretrain"):
        p = argparse.ArgumentParser()
        p.add_argument("command")
        p.add_argument("--dataset", required=True)
        p.add_argument("--epochs", type=int, required=True)
        p.add_argument("--workers", type=int, default=2)
        p.add_argument("--init")
        p.add_argument("--scenario", choices=SCENARIOS)
        p.add_argument("--seed", type=int)
        p.add_argument("--out")
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--draws", help="a train-draws dump: replay the project's sample order, crops and flips")
        args = p.parse_args()
        (torch_run if args.command == "torch-run" else torch_pretrain)(args)
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=30, help="runs per side and scenario")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--data", default=os.path.join(ROOT, "runs", "fashion-mnist"))
    p.add_argument("--work", default=os.path.join(ROOT, "runs", "compare-training"))
    p.add_argument("--pretrain-epochs", type=int, default=5)
    p.add_argument("--workers", type=int, default=2, help="data loading processes / threads per side")
    p.add_argument("--concurrent", action="store_true",
                   help="run the two sides of a pair at the same time, one thread each (accuracy only: wall times "
                        "are then single-core figures)")
    p.add_argument("--pairing", choices=PAIRINGS, default="draws",
                   help="draws (default): both sides start from the same weights and the torch side replays the "
                        "project's sample order, crops and flips; init: only the initial weights are shared")
    p.add_argument("--summarize", metavar="RESULTS_JSONL", help="only print the summary of earlier results")
    args = p.parse_args()
    if args.summarize:
        with open(args.summarize) as f:
            print(summarize([json.loads(line) for line in f if line.strip()]))
        return
    drive(args)


if __name__ == "__main__":
    main()
