#!/usr/bin/python3
"""What the fine-tuning recipes change: best val accuracy of the project's `train` with and without
MixUp/CutMix, TrivialAugmentWide and EMA, and test-time augmentation on the plain run's best weights.

Every variant of a seed starts from the same initial-weights file and the same `seed` (data order,
crops), so the comparison with the plain run is paired: per variant, the mean paired difference
(variant - plain) with its 95% t interval over the seeds.

Data sets:
  fashion  bench/compare_training.py's transfer split of Fashion-MNIST (classes 5-9, 500 train / 250
           val images, 96 px), resnet18 with the backbone torch pretrained on classes 0-4 and a new fc,
           every layer trains: SGD momentum 0.9, lr 1e-2 (fc) / 1e-3, StepLR(7, 0.1), batch 16, 3 epochs
  demo     the README's default run (config.yaml: the generated demo data, resnet18 from random init)
Variants (none of them is on by default in the project):
  plain    the recipe as above
  mixup    timm's MixUp/CutMix: mixup_alpha 0.8, cutmix_alpha 1.0, switch_prob 0.5, every batch
  trivial  TrivialAugmentWide after the crop and flip
  ema      timm's ModelEmaV3, decay 0.99 with warm-up, validated and checkpointed (a 3-epoch run has
           ~190 steps, so timm's long-run 0.9998 would keep the initial weights)
  tta_flip, tta_ten_crop  `evaluate --tta` on the plain run's best weights (no training)

Usage (after `mvn -q package -DskipTests`; the fashion set and its pretrained backbone come from a
first `bench/compare_training.py` run with the same --data/--work, or are made here):
  /usr/bin/python3 bench/compare_recipes.py [--datasets fashion,demo] [--seeds 5] [--first-seed 0]
      [--variants plain,mixup,trivial,ema] [--tta flip,ten_crop] [--work runs/compare-recipes]
  /usr/bin/python3 bench/compare_recipes.py --summarize runs/compare-recipes/results.jsonl
"""
import argparse
import copy
import glob
import importlib.util
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("compare_training", os.path.join(ROOT, "bench", "compare_training.py"))
ct = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ct)

VARIANTS = ("plain", "mixup", "trivial", "ema")


def with_variant(config, variant):
    """A copy of a project config (the dict form of the YAML) with one recipe switched on."""
    config = copy.deepcopy(config)
    stage = config["stages"][0]
    if variant == "mixup":
        stage["mixup"] = {"mixup_alpha": 0.8, "cutmix_alpha": 1.0, "prob": 1.0, "switch_prob": 0.5}
    elif variant == "trivial":
        transforms = config["data"]["train_transforms"]
        flip = next(i for i, t in enumerate(transforms) if "horizontal_flip" in t)
        transforms.insert(flip + 1, {"trivial_augment_wide": {}})
    elif variant == "ema":
        stage["ema"] = {"decay": 0.99, "warmup": True, "evaluate": True}
    elif variant != "plain":
        raise ValueError(variant)
    return config


def demo_config(threads):
    """config.yaml as a dict (JSON is YAML, so the variants can be written without a YAML writer)."""
    import yaml  # python3-yaml: Debian ships it with python3
    with open(os.path.join(ROOT, "config.yaml")) as f:
        config = yaml.safe_load(f)
    config["data"]["root"] = os.path.join(ROOT, "demo-data")
    config["threads"] = config["inter_op_threads"] = threads
    return config


def best_val_accuracy(run_dir):
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f]
    return max(float(r["acc"]) for r in rows if r["phase"] == "val" and int(r["epoch"]) > 0)


def tta_accuracy(jar, run_dir, mode):
    """`evaluate --run RUN --tta MODE` on the run's best weights: the TTA top-1 from its console line."""
    out = ct.run(["java", "-jar", jar, "evaluate", "--run", run_dir, "--tta", mode])
    match = re.search(r"^with \S+ TTA \(\d+ views\): \d+ images: top-1 ([0-9.]+)", out, re.MULTILINE)
    if not match:
        sys.exit(f"evaluate --tta {mode}: no TTA line in its output:\n{out}")
    return float(match.group(1))


def drive(args):
    jar = os.path.join(ROOT, "target", "tfj-transfer.jar")
    if not os.path.exists(jar):
        sys.exit(f"{jar} is missing: run `mvn -q package -DskipTests` first")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    variants = args.variants.split(",")
    for v in variants:
        if v not in VARIANTS:
            sys.exit(f"--variants: unknown variant '{v}'; expected some of {','.join(VARIANTS)}")
    tta_modes = [m for m in args.tta.split(",") if m]
    if tta_modes and "plain" not in variants:
        sys.exit("--tta evaluates the plain runs' weights: --variants must include plain")
    data = os.path.abspath(args.data)
    pretrained = os.path.join(os.path.abspath(args.pretrained_work), "pretrained-resnet18.pth")
    with open(os.path.join(work, "results.jsonl"), "a") as log:
        def record(row):
            print(json.dumps(row), flush=True)
            log.write(json.dumps(row) + "\n")
            log.flush()

        for dataset in args.datasets.split(","):
            if dataset == "fashion":
                if not os.path.exists(pretrained):
                    sys.exit(f"{pretrained} is missing: run bench/compare_training.py --scenarios all first "
                             f"(with --data {data})")
                base = ct.project_config("all", os.path.join(data, "transfer"), args.epochs, args.workers, 2)
            elif dataset == "demo":
                base = demo_config(2)
            else:
                sys.exit(f"--datasets: unknown data set '{dataset}'; expected fashion or demo")
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                init = None
                if dataset == "fashion":
                    init = os.path.join(work, f"init-{seed}.pth")
                    ct.write_initial_weights("all", seed, 5, pretrained, init)
                for variant in variants:
                    config = with_variant(base, variant)
                    with tempfile.TemporaryDirectory(dir=work) as out_dir:
                        config_file = os.path.join(out_dir, "config.yaml")
                        with open(config_file, "w") as f:
                            json.dump(config, f, indent=1)
                        command = ["java", "-jar", jar, "train", "--config", config_file, "--set", f"seed={seed}",
                                   "--set", f"output_dir={out_dir}/runs"]
                        if init:
                            command += ["--set", f"model.weights={init}"]
                        start, load = time.monotonic(), ct.loadavg()
                        ct.run(command)
                        seconds = time.monotonic() - start
                        (run_dir,) = glob.glob(os.path.join(out_dir, "runs", "run-*"))
                        record({"dataset": dataset, "variant": variant, "seed": seed,
                                "best_val_acc": best_val_accuracy(run_dir), "wall_s": round(seconds, 1),
                                "load_before": load})
                        if variant == "plain":
                            for mode in tta_modes:
                                record({"dataset": dataset, "variant": f"tta_{mode}", "seed": seed,
                                        "best_val_acc": tta_accuracy(jar, run_dir, mode)})
                if init:
                    os.remove(init)
    with open(os.path.join(work, "results.jsonl")) as f:
        print(summarize([json.loads(line) for line in f if line.strip()]))


def summarize(results):
    lines = []
    for dataset in sorted({r["dataset"] for r in results}):
        rows = [r for r in results if r["dataset"] == dataset]
        plain = {r["seed"]: r["best_val_acc"] for r in rows if r["variant"] == "plain"}
        lines.append(f"{dataset}: best val accuracy, paired with the plain run of the same seed")
        for variant in sorted({r["variant"] for r in rows}, key=lambda v: (v != "plain", v)):
            acc = {r["seed"]: r["best_val_acc"] for r in rows if r["variant"] == variant}
            values = list(acc.values())
            sd = statistics.stdev(values) if len(values) > 1 else float("nan")
            line = f"  {variant:13s} n={len(values):2d} mean {statistics.fmean(values):.4f} sd {sd:.4f}"
            diffs = [acc[s] - plain[s] for s in sorted(acc.keys() & plain.keys())]
            if variant != "plain" and len(diffs) > 1:
                mean, sd_diff = statistics.fmean(diffs), statistics.stdev(diffs)
                half = ct.t_quantile(len(diffs) - 1) * sd_diff / math.sqrt(len(diffs))
                line += f"  vs plain {mean:+.4f} 95% CI [{mean - half:+.4f}, {mean + half:+.4f}]"
            lines.append(line)
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default="fashion,demo")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--tta", default="flip,ten_crop", help="TTA modes evaluated on the plain runs ('' for none)")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=3, help="fashion only; demo uses config.yaml's")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--data", default=os.path.join(ROOT, "runs", "fashion-mnist"))
    p.add_argument("--pretrained-work", default=os.path.join(ROOT, "runs", "compare-training"),
                   help="compare_training.py's --work, which holds pretrained-resnet18.pth")
    p.add_argument("--work", default=os.path.join(ROOT, "runs", "compare-recipes"))
    p.add_argument("--summarize", metavar="RESULTS_JSONL")
    args = p.parse_args()
    if args.summarize:
        with open(args.summarize) as f:
            print(summarize([json.loads(line) for line in f if line.strip()]))
        return
    drive(args)


if __name__ == "__main__":
    main()
