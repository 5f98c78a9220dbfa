#!/usr/bin/python3
"""The whole-run comparison of issue 16: the tutorial's recipe trained end to end, each run a fresh
process timed from outside (JVM or Python start included), alternating the variants.

Recipe (both sides): resnet18, every weight trains (full fine-tuning), 3 epochs, batch 16,
RandomResizedCrop(96) + horizontal flip, val Resize(109) + CenterCrop(96), ImageNet normalization,
SGD momentum 0.9 with lr 1e-2 for fc and 1e-3 for the rest, StepLR(7, 0.1), BatchNorm in train mode
(the tutorial's model.train()), 2 data workers, 2 threads. Both start from one initial-weights file
written by torch (torchvision's init with a new 10-class fc, torch.manual_seed(0)) unless --weights
gives one. The data is the 1000-image, 10-class Fashion-MNIST ImageFolder at 96 px that
bench/make_fashion_mnist.py writes (OUT/all, from the `parity` branch) or any ImageFolder with
train/ and val/.

Variants: `f32`, `bf16` (the project's `precision: bf16`), `torch` (the tutorial's loop, PyTorch
1.13), and any number of `--variant NAME:PRECISION[:SETTING,...]` project variants, where a
SETTING in upper case is an environment variable for the JVM (TensorFlow and oneDNN read them when
their library loads: TF_ONEDNN_..., TF_MKL_..., MALLOC_...) and one in lower case is a config
override (`inter_op_threads=1`, `threads=2`), e.g.
  --variant inter1:f32:inter_op_threads=1
  --variant sysalloc:f32:TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1
  --variant caller:f32:TF_ONEDNN_THREADPOOL_USE_CALLER_THREAD=1
The project runs without the epoch-0 validation (validate_before_training: false) since the
tutorial's loop has none; --epoch0-validation puts it back.

Prints one JSON line per run (also appended to WORK/results.jsonl): variant, repeat, wall_s,
per-epoch val accuracies, best, the 1-minute load average before the run, and for project runs the
run's timings.json (JVM start to main, graph build, session, first step, epochs, callbacks). Then a
summary per variant: median and min-max wall time and the ratio of medians to torch's.

Usage (from the repository root, after `mvn -q package -DskipTests`):
  /usr/bin/python3 bench/make_fashion_mnist.py runs/fashion-mnist
  /usr/bin/python3 bench/whole_run.py [--data runs/fashion-mnist/all] [--repeats 3] [--epochs 3]
      [--variants f32,bf16,torch] [--variant NAME:PRECISION:SETTINGS ...] [--work runs/whole-run]
Needs Debian's python3-torch and python3-torchvision (tests/install-deps.sh installs them).
"""
import argparse
import copy
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FC_LR, REST_LR, EPOCHS_DEFAULT = 1e-2, 1e-3, 3


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# ---------------------------------------------------------------- the PyTorch side (a child process)

def torch_main(args):
    """The tutorial's train_model on the recipe; prints {"val_acc": [...]} as its last line."""
    import torch
    import torchvision
    from torchvision import datasets, transforms
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    tf = {"train": transforms.Compose([transforms.RandomResizedCrop(96), transforms.RandomHorizontalFlip(),
                                       transforms.ToTensor(), normalize]),
          "val": transforms.Compose([transforms.Resize(109), transforms.CenterCrop(96), transforms.ToTensor(),
                                     normalize])}
    sets = {x: datasets.ImageFolder(os.path.join(args.data, x), tf[x]) for x in ("train", "val")}
    loaders = {x: torch.utils.data.DataLoader(sets[x], batch_size=16, shuffle=(x == "train"), num_workers=2)
               for x in sets}
    model = torchvision.models.resnet18()
    model.fc = torch.nn.Linear(512, len(sets["train"].classes))
    model.load_state_dict(torch.load(args.weights))
    rest = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
    optimizer = torch.optim.SGD([{"params": model.fc.parameters(), "lr": FC_LR}, {"params": rest, "lr": REST_LR}],
                                lr=REST_LR, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    criterion = torch.nn.CrossEntropyLoss()
    accuracies, best_acc, best_wts = [], 0.0, copy.deepcopy(model.state_dict())
    for _ in range(args.epochs):
        for phase in ("train", "val"):
            model.train() if phase == "train" else model.eval()
            corrects = 0
            for inputs, labels in loaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                corrects += torch.sum(outputs.argmax(1) == labels).item()
            if phase == "train":
                scheduler.step()
            else:
                accuracies.append(corrects / len(sets["val"]))
                if accuracies[-1] > best_acc:
                    best_acc, best_wts = accuracies[-1], copy.deepcopy(model.state_dict())
    model.load_state_dict(best_wts)
    print(json.dumps({"val_acc": accuracies}))


def write_initial_weights(data, out):
    import torch
    import torchvision
    classes = len([d for d in os.listdir(os.path.join(data, "train"))
                   if os.path.isdir(os.path.join(data, "train", d))])
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    model.fc = torch.nn.Linear(512, classes)
    torch.save(model.state_dict(), out + ".tmp")
    os.replace(out + ".tmp", out)


# ---------------------------------------------------------------- the project side

def project_config(data, epochs, precision, overrides, epoch0_validation):
    config = {"model": {"arch": "resnet18"},
              "data": {"root": data, "batch_size": 16, "val_batch_size": 16, "workers": 2,
                       "train_transforms": [{"random_resized_crop": {"size": 96}}, {"horizontal_flip": {"p": 0.5}}],
                       "val_transforms": [{"resize": {"size": 109}}, {"center_crop": {"size": 96}}]},
              "freeze": ["none"], "batchnorm": "train", "threads": 2, "precision": precision,
              "validate_before_training": epoch0_validation,
              "stages": [{"name": "train", "epochs": epochs, "optimizer": {"type": "sgd", "momentum": 0.9},
                          "groups": [{"name": "fc", "params": ["fc"], "lr": FC_LR}, {"name": "rest", "lr": REST_LR}],
                          "schedule": {"type": "step", "step_size": 7, "gamma": 0.1}}]}
    for key, value in overrides.items():
        config[key] = int(value) if value.isdigit() else value
    return config


def parse_variant(text):
    """NAME:PRECISION[:SETTING,...] -> (name, precision, env, overrides)."""
    parts = text.split(":", 2)
    if len(parts) < 2 or parts[1] not in ("f32", "bf16"):
        sys.exit(f"--variant {text}: expected NAME:f32|bf16[:SETTING,...]")
    env, overrides = {}, {}
    for setting in (parts[2].split(",") if len(parts) == 3 and parts[2] else []):
        key, _, value = setting.partition("=")
        (env if key.isupper() else overrides)[key] = value
    return parts[0], parts[1], env, overrides


def run_project(args, precision, env, overrides, work):
    out_dir = tempfile.mkdtemp(prefix="project-", dir=work)
    config_file = os.path.join(out_dir, "config.yaml")
    with open(config_file, "w") as f:
        # JSON is YAML
        json.dump(project_config(os.path.abspath(args.data), args.epochs, precision, overrides,
                                 args.epoch0_validation), f)
    command = ["java", "-jar", args.jar, "train", "--config", config_file, "--set", f"model.weights={args.weights}",
               "--set", f"output_dir={out_dir}"]
    wall = timed(command, dict(os.environ, **env))
    (run_dir,) = glob.glob(os.path.join(out_dir, "run-*"))
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f]
    with open(os.path.join(run_dir, "timings.json")) as f:
        timings = json.load(f)
    accuracies = [float(r["acc"]) for r in rows if r["phase"] == "val" and int(r["epoch"]) > 0]
    return wall, accuracies, timings


def run_torch(args, work):
    command = [sys.executable, os.path.abspath(__file__), "--torch-child", "--data", args.data, "--weights",
               args.weights, "--epochs", str(args.epochs)]
    output = []
    wall = timed(command, dict(os.environ), output)
    return wall, json.loads(output[0].strip().splitlines()[-1])["val_acc"], None


def timed(command, env, stdout_sink=None):
    start = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    if stdout_sink is not None:
        stdout_sink.append(done.stdout)
    return wall


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.path.join(ROOT, "runs/fashion-mnist/all"))
    p.add_argument("--jar", default=os.path.join(ROOT, "target/tfj-transfer.jar"))
    p.add_argument("--weights", help="initial weights (.pth, torchvision names); default: written by torch, seed 0")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs", type=int, default=EPOCHS_DEFAULT)
    p.add_argument("--variants", default="f32,bf16,torch")
    p.add_argument("--variant", action="append", default=[], help="NAME:PRECISION[:SETTING,...] (repeatable)")
    p.add_argument("--epoch0-validation", action="store_true", help="keep the project's epoch-0 validation")
    p.add_argument("--work", default=os.path.join(ROOT, "runs/whole-run"))
    p.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_child:
        torch_main(args)
        return
    for split in ("train", "val"):
        if not os.path.isdir(os.path.join(args.data, split)):
            sys.exit(f"{args.data}: no {split}/ directory (make it with bench/make_fashion_mnist.py)")
    if not os.path.isfile(args.jar):
        sys.exit(f"{args.jar}: no such jar (mvn -q package -DskipTests)")
    os.makedirs(args.work, exist_ok=True)
    if args.weights is None:
        args.weights = os.path.join(args.work, "init-resnet18-seed0.pth")
        if not os.path.exists(args.weights):
            write_initial_weights(args.data, args.weights)
    args.weights = os.path.abspath(args.weights)

    variants = {}
    for name in args.variants.split(","):
        if name == "torch":
            variants[name] = None
        elif name in ("f32", "bf16"):
            variants[name] = (name, {}, {})
        else:
            sys.exit(f"--variants: {name} is not f32, bf16 or torch (use --variant for others)")
    for text in args.variant:
        name, precision, env, overrides = parse_variant(text)
        variants[name] = (precision, env, overrides)

    results = {name: [] for name in variants}
    names = list(variants)
    for repeat in range(args.repeats):
        # rotate the order so no variant always runs first (or right after the heaviest one)
        order = names[repeat % len(names):] + names[:repeat % len(names)]
        for name in order:
            load = loadavg()
            if variants[name] is None:
                wall, accuracies, timings = run_torch(args, args.work)
            else:
                precision, env, overrides = variants[name]
                wall, accuracies, timings = run_project(args, precision, env, overrides, args.work)
            line = {"variant": name, "repeat": repeat, "wall_s": round(wall, 2), "val_acc": accuracies,
                    "best_val_acc": max(accuracies), "epochs": args.epochs, "loadavg_1m_before": load,
                    "epoch0_validation": args.epoch0_validation if variants[name] else False}
            if timings is not None:
                line["timings"] = timings
            print(json.dumps(line), flush=True)
            with open(os.path.join(args.work, "results.jsonl"), "a") as f:
                f.write(json.dumps(line) + "\n")
            results[name].append(wall)

    torch_median = statistics.median(results["torch"]) if "torch" in results else None
    print(f"\n{'variant':<16} {'median s':>9} {'min-max s':>13} {'x torch':>8}")
    for name, walls in results.items():
        median = statistics.median(walls)
        ratio = f"{median / torch_median:.2f}" if torch_median else "-"
        print(f"{name:<16} {median:>9.1f} {min(walls):>6.1f}-{max(walls):<6.1f} {ratio:>8}")


if __name__ == "__main__":
    main()
