#!/usr/bin/python3
"""bf16 against f32 training, paired by seed: the project's `train` CLI on compare_training.py's
from-scratch recipe (resnet18, every weight trains, 3 epochs, batch 16, RandomResizedCrop(96) + flip,
the Fashion-MNIST ImageFolder of bench/make_fashion_mnist.py), once with `precision: f32` and once
with `precision: bf16` per seed. Both runs of a seed share the initial weights (torchvision's init,
torch.manual_seed(seed)) and, through the seed, the data order and augmentation, so the paired
difference isolates the precision.

Prints one JSON line per run (also appended to WORK/results.jsonl) and at the end each precision's
mean and sd of the best val accuracy and the paired difference (bf16 - f32) with its 95% t interval.

Usage (from the repository root, after `mvn -q package -DskipTests`):
  /usr/bin/python3 bench/compare_precision.py [--seeds 5] [--first-seed 0] [--epochs 3]
      [--data runs/fashion-mnist] [--work runs/compare-precision]
"""
import argparse
import json
import math
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_training as ct  # noqa: E402  (the same recipe, runner and statistics)

PRECISIONS = ("f32", "bf16")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--data", default=os.path.join(ct.ROOT, "runs", "fashion-mnist"))
    p.add_argument("--work", default=os.path.join(ct.ROOT, "runs", "compare-precision"))
    args = p.parse_args()
    jar = os.path.join(ct.ROOT, "target", "tfj-transfer.jar")
    dataset = ct.dataset_of("scratch")
    root = os.path.join(args.data, dataset)
    if not os.path.isdir(os.path.join(root, "train")):
        sys.exit(f"{root}: no train/ (make it with bench/make_fashion_mnist.py {args.data})")
    os.makedirs(args.work, exist_ok=True)
    train = os.path.join(root, "train")
    classes = len([d for d in os.listdir(train) if os.path.isdir(os.path.join(train, d))])
    results = {precision: {} for precision in PRECISIONS}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        init = os.path.join(args.work, f"init-scratch-seed{seed}.pth")
        if not os.path.exists(init):
            ct.write_initial_weights("scratch", seed, classes, None, init)
        # alternate which precision runs first
        for precision in PRECISIONS if seed % 2 == 0 else PRECISIONS[::-1]:
            config = ct.project_config("scratch", os.path.abspath(root), args.epochs, 2, 2)
            config["precision"] = precision
            out_dir = tempfile.mkdtemp(prefix=f"{precision}-seed{seed}-", dir=args.work)
            config_file = os.path.join(out_dir, "config.yaml")
            with open(config_file, "w") as f:
                json.dump(config, f)
            load = ct.loadavg()
            start = ct.time.monotonic()
            accuracies = ct.project_run(jar, config_file, init, seed, out_dir)
            wall = ct.time.monotonic() - start
            line = {"precision": precision, "seed": seed, "val_acc": accuracies, "best_val_acc": max(accuracies),
                    "wall_s": round(wall, 1), "loadavg_1m_before": load}
            print(json.dumps(line), flush=True)
            with open(os.path.join(args.work, "results.jsonl"), "a") as f:
                f.write(json.dumps(line) + "\n")
            results[precision][seed] = max(accuracies)
    for precision in PRECISIONS:
        acc = list(results[precision].values())
        sd = statistics.stdev(acc) if len(acc) > 1 else float("nan")
        print(f"{precision}: n={len(acc)} mean {statistics.fmean(acc):.4f} sd {sd:.4f}")
    paired = [results["bf16"][s] - results["f32"][s] for s in sorted(results["f32"])]
    if len(paired) > 1:
        mean, sd = statistics.fmean(paired), statistics.stdev(paired)
        half = ct.t_quantile(len(paired) - 1) * sd / math.sqrt(len(paired))
        print(f"paired difference (bf16 - f32), {len(paired)} seeds: {mean:+.4f} "
              f"95% CI [{mean - half:+.4f}, {mean + half:+.4f}] (sd {sd:.4f})")


if __name__ == "__main__":
    main()
