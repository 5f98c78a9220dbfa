#!/usr/bin/python3
"""Runs the PyTorch peer (bench/pytorch_bench.py, the project's copy of ../shared/peers/pytorch/bench.py
for every torchvision architecture), this project's `bench` and its hand-built baseline (`bench --impl
handbuilt`: resnet18, resnet50 and vgg16 as raw TF ops) back to back, config by config, on the same
machine, and prints one table with the ratios: project / PyTorch, and project / hand-built (what the
project's abstractions cost; "-" for architectures the baseline does not have).

The machine is shared and noisy: each (model, mode) pair is measured --repeats times alternating
peer and project, and the table shows medians with the min-max spread; the 1-minute load average
is printed before each measurement so contaminated numbers can be spotted.

Usage (from the repository root, after `mvn -q package -DskipTests`):
  /usr/bin/python3 bench/compare_with_pytorch.py [--models resnet18,resnet50,vgg16]
      (any names `java -jar target/tfj-transfer.jar models` lists, e.g. efficientnet_b0,convnext_tiny)
      [--modes eval,frozen,full] [--repeats 2] [--precision f32|bf16] [--peer PATH] [--steps 5]
Needs Debian's python3-torch and python3-torchvision (tests/install-deps.sh installs them).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def run_json(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def hand_built(command):
    """The hand-built baseline's record, or None for an architecture it does not build."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 and "hand-built baseline has" in done.stderr:
        return None
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")][0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="resnet18,resnet50,vgg16")
    p.add_argument("--modes", default="eval,frozen,full")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--precision", default="f32")
    p.add_argument("--peer", default=os.path.join(ROOT, "bench", "pytorch_bench.py"))
    p.add_argument("--steps", type=int, default=5, help="timed steps per config (the peer's --quick uses 5)")
    args = p.parse_args()
    jar = os.path.join(ROOT, "target", "tfj-transfer.jar")
    if not os.path.exists(jar):
        sys.exit(f"{jar} is missing: run `mvn -q package -DskipTests` first")
    if not os.path.exists(args.peer):
        sys.exit(f"{args.peer} is missing: pass --peer PATH/bench.py")
    rows = {}
    for model in args.models.split(","):
        for mode in args.modes.split(","):
            for r in range(args.repeats):
                before = loadavg()
                torch = run_json(["/usr/bin/python3", args.peer, "--quick", "--steps", str(args.steps),
                                  "--models", model, "--modes", mode])[0]
                command = ["java", "-jar", jar, "bench", "--models", model, "--modes", mode, "--warmup", "2",
                           "--steps", str(args.steps), "--time-budget", "15", "--precision", args.precision]
                ours = run_json(command + ["--impl", "project"])[0]
                hand = hand_built(command + ["--impl", "handbuilt"])
                entry = rows.setdefault((model, mode), {"torch": [], "ours": [], "hand": [], "ratio": [],
                                                        "vs_hand": [], "load": [], "batch": ours["batch"],
                                                        "rss": [], "hand_rss": []})
                entry["torch"].append(torch["images_per_s"])
                entry["ours"].append(ours["images_per_s"])
                entry["ratio"].append(ours["images_per_s"] / torch["images_per_s"])
                entry["load"].append(before)
                entry["rss"].append(ours["peak_rss_mb"])
                if hand is not None:
                    entry["hand"].append(hand["images_per_s"])
                    entry["vs_hand"].append(ours["images_per_s"] / hand["images_per_s"])
                    entry["hand_rss"].append(hand["peak_rss_mb"])
                hand_text = "-" if hand is None else f"{hand['images_per_s']:.1f}"
                print(f"# {model} {mode} run {r + 1}: torch {torch['images_per_s']:.1f} img/s, "
                      f"tfj-transfer {ours['images_per_s']:.1f}, hand-built {hand_text} "
                      f"({args.precision}), load {before:.2f}", file=sys.stderr)

    def fmt(values):
        if not values:
            return "-"
        return f"{statistics.median(values):7.1f} ({min(values):.1f}-{max(values):.1f})"

    def ratio(values):
        if not values:
            return "-"
        return f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"

    print(f"| model | mode | batch | PyTorch img/s | tfj-transfer {args.precision} img/s | hand-built img/s | "
          "tfj-transfer / PyTorch | tfj-transfer / hand-built | peak RSS MB (hand-built) | load 1m |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (model, mode), e in rows.items():
        print(f"| {model} | {mode} | {e['batch']} | {fmt(e['torch'])} | {fmt(e['ours'])} | {fmt(e['hand'])} | "
              f"{ratio(e['ratio'])} | {ratio(e['vs_hand'])} | {max(e['rss'])} ({max(e['hand_rss'], default='-')}) | "
              f"{min(e['load']):.2f}-{max(e['load']):.2f} |")


if __name__ == "__main__":
    main()
