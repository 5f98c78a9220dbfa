#!/usr/bin/python3
"""What a run pays before its steady state, per model: one short `train` per architecture (full
fine-tuning from torchvision's random init, 224 px, batch 16, one epoch over a 48-image demo
dataset, no epoch-0 validation), each a fresh process, and its timings.json: JVM start to main,
main to the run's start (TensorFlow's native library), building the graph, creating the session,
initializing or loading the weights, building the training step, and the first training and
validation batch (Grappler's rewrite and oneDNN's primitive creation) against the median batch.

Prints one JSON line per model (also appended to WORK/results.jsonl).

Usage (from the repository root, after `mvn -q package -DskipTests`):
  /usr/bin/python3 bench/startup_times.py [--models resnet18,resnet50,vgg16,...] [--precision f32|bf16]
      [--work runs/startup-times]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = "resnet18,resnet50,vgg16,densenet121,efficientnet_b0,mobilenet_v3_large,convnext_tiny"
KEYS = ("jvm_start_to_main", "main_to_run_start", "build_graph", "create_session", "initialize_weights",
        "build_training_step", "first_train_batch", "median_train_batch", "first_val_batch", "median_val_batch")


def run(command):
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:5])} ... failed ({done.returncode}):\n{done.stderr[-3000:]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=MODELS)
    p.add_argument("--precision", default="f32", choices=("f32", "bf16"))
    p.add_argument("--jar", default=os.path.join(ROOT, "target", "tfj-transfer.jar"))
    p.add_argument("--work", default=os.path.join(ROOT, "runs", "startup-times"))
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    data = os.path.join(args.work, "demo")
    if not os.path.isdir(data):
        run(["java", "-jar", args.jar, "demo-data", "--out", data, "--train-per-class", "16", "--val-per-class", "2"])
    for model in args.models.split(","):
        out_dir = tempfile.mkdtemp(prefix=f"{model}-", dir=args.work)
        config = {"model": {"arch": model},
                  "data": {"root": os.path.abspath(data), "batch_size": 16, "val_batch_size": 16, "workers": 2,
                           "train_transforms": [{"random_resized_crop": {"size": 224}},
                                                {"horizontal_flip": {"p": 0.5}}],
                           "val_transforms": [{"resize": {"size": 256}}, {"center_crop": {"size": 224}}]},
                  "freeze": ["none"], "batchnorm": "train", "threads": 2, "precision": args.precision,
                  "validate_before_training": False, "output_dir": out_dir,
                  "stages": [{"name": "train", "epochs": 1, "optimizer": {"type": "sgd", "momentum": 0.9},
                              "groups": [{"params": [], "lr": 0.01}]}]}
        config_file = os.path.join(out_dir, "config.yaml")
        with open(config_file, "w") as f:
            json.dump(config, f)  # JSON is YAML
        start = time.monotonic()
        run(["java", "-jar", args.jar, "train", "--config", config_file])
        wall = time.monotonic() - start
        (run_dir,) = glob.glob(os.path.join(out_dir, "run-*"))
        with open(os.path.join(run_dir, "timings.json")) as f:
            timings = json.load(f)
        line = {"model": model, "precision": args.precision, "wall_s": round(wall, 2),
                **{k: timings.get(k) for k in KEYS}}
        print(json.dumps(line), flush=True)
        with open(os.path.join(args.work, "results.jsonl"), "a") as f:
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
