#!/usr/bin/env bash
# End-to-end check as a user runs it: train on the demo data from config.yaml (shortened),
# predict with the run directory, export a SavedModel, and classify the same images with DJL in a
# separate JVM app, which must agree with predict on the top-1 class and its probability.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/e2e
rm -rf "$work"
mkdir -p "$work"
jar=target/tfj-transfer.jar
[ -f "$jar" ] || mvn -q -B -ntp package -DskipTests

java -jar "$jar" train --config config.yaml --set stages.0.epochs=2 --set output_dir="$work/runs" \
  2> "$work/train.err" | tee "$work/train.log"
run=$(ls -d "$work"/runs/run-* | head -1)
for f in config.yaml class_names.txt metrics.csv best.safetensors last.safetensors loss.png accuracy.png \
         train_batch.png val_predictions.png; do
  [ -s "$run/$f" ] || { echo "e2e: $run/$f is missing" >&2; exit 1; }
done

java -jar "$jar" export --run "$run" --out "$work/savedmodels/demo" 2>> "$work/train.err"
mkdir -p "$work/images"
cp demo-data/val/*/*.jpg "$work/images/"
java -jar "$jar" predict --run "$run" --images "$work/images" --top 3 > "$work/predict.jsonl" 2>> "$work/train.err"
[ "$(wc -l < "$work/predict.jsonl")" -eq "$(ls "$work/images" | wc -l)" ] || { echo "e2e: predict skipped images" >&2; exit 1; }

tests/djl-consumer/run.sh "$work/savedmodels/demo/1" "$work/images" --expect "$work/predict.jsonl" \
  > "$work/djl.jsonl" 2> "$work/djl.err" || { tail -20 "$work/djl.err" >&2; exit 1; }
grep "DJL vs predict" "$work/djl.err"
echo "e2e: ok"
