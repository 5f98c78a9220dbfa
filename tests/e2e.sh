#!/usr/bin/env bash
# End-to-end check as a user runs it: train on the demo data from config.yaml (shortened) with a
# quiet console, evaluate, open report.html in headless Chromium, predict with the run directory,
# export a SavedModel, classify the same images with DJL in a separate JVM app (which must agree
# with predict on the top-1 class and its probability), and install the tar.gz elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$PWD/target/e2e"
rm -rf "$work"
mkdir -p "$work"
jar=target/tfj-transfer.jar
[ -f "$jar" ] && ls target/tfj-transfer-*.tar.gz > /dev/null 2>&1 || mvn -q -B -ntp package -DskipTests

java -jar "$jar" train --config config.yaml --set stages.0.epochs=2 --set output_dir="$work/runs" \
  2> "$work/train.err" | tee "$work/train.log"
run=$(ls -d "$work"/runs/run-* | head -1)
for f in config.yaml class_names.txt metrics.csv best.safetensors last.safetensors loss.png accuracy.png \
         train_batch.png val_predictions.png report.html eval/classification_report.csv eval/confusion_matrix.png \
         eval/summary.json; do
  [ -s "$run/$f" ] || { echo "e2e: $run/$f is missing" >&2; exit 1; }
done
# a quiet console: none of TensorFlow's native INFO lines (oneDNN banner, gradient lines, absl, MLIR)
if grep -E "oneDNN custom operations|cpu_feature_guard|absl::InitializeLog|mlir_graph_optimization|Calling Java gradient" \
    "$work/train.log" "$work/train.err"; then
  echo "e2e: TensorFlow's native log lines on the console" >&2; exit 1
fi

# evaluate on a labelled folder, then the report in a real browser (Debian's chromium)
java -jar "$jar" evaluate --run "$run" --images demo-data/val 2>> "$work/train.err" | tee -a "$work/train.log"
[ -s "$run/eval-val/report.html" ] || { echo "e2e: evaluate wrote no report" >&2; exit 1; }
/usr/bin/python3 tests/check_report.py "$run/report.html" "$work/report.png"

java -jar "$jar" export --run "$run" --out "$work/savedmodels/demo" 2>> "$work/train.err"
mkdir -p "$work/images"
cp demo-data/val/*/*.jpg "$work/images/"
java -jar "$jar" predict --run "$run" --images "$work/images" --top 3 > "$work/predict.jsonl" 2>> "$work/train.err"
[ "$(wc -l < "$work/predict.jsonl")" -eq "$(ls "$work/images" | wc -l)" ] || { echo "e2e: predict skipped images" >&2; exit 1; }

tests/djl-consumer/run.sh "$work/savedmodels/demo/1" "$work/images" --expect "$work/predict.jsonl" \
  > "$work/djl.jsonl" 2> "$work/djl.err" || { tail -20 "$work/djl.err" >&2; exit 1; }
grep "DJL vs predict" "$work/djl.err"

# a newer family (depthwise convolutions, Hardswish, squeeze-excitation) through convert -> export -> DJL's
# TensorFlow 2.16, against predict on the same weights
fam="$work/mobilenet"
mkdir -p "$fam"
/usr/bin/python3 - "$fam/m.pth" <<'PY'
import sys, torch, torchvision
torch.manual_seed(0)
model = torchvision.models.mobilenet_v3_large(num_classes=3)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):  # torchvision's 0.01-std init makes every class tie
            m.weight.normal_(0, 0.5); m.bias.normal_(0, 0.5)
torch.save(model.state_dict(), sys.argv[1])
PY
model_args=(--arch mobilenet_v3_large --num-classes 3 --weights "$fam/m.safetensors")
java -jar "$jar" convert --in "$fam/m.pth" --out "$fam/m.safetensors" --arch mobilenet_v3_large --num-classes 3 \
  > /dev/null 2>> "$work/train.err"
printf 'checkers\ndiscs\nstripes\n' > "$fam/classes.txt"
java -jar "$jar" export "${model_args[@]}" --classes "$fam/classes.txt" --out "$fam/savedmodels/mnv3" \
  > /dev/null 2>> "$work/train.err"
java -jar "$jar" predict "${model_args[@]}" --images "$work/images" --top 3 --format jsonl > "$fam/predict.jsonl" \
  2>> "$work/train.err"
tests/djl-consumer/run.sh "$fam/savedmodels/mnv3/1" "$work/images" --expect "$fam/predict.jsonl" \
  > "$fam/djl.jsonl" 2> "$fam/djl.err" || { tail -20 "$fam/djl.err" >&2; exit 1; }
grep "DJL vs predict" "$fam/djl.err"

# the installable archive, unpacked elsewhere: tfj --version, and a short run of its config.yaml
dist=$(ls target/tfj-transfer-*.tar.gz | head -1)
install=$(mktemp -d)
tar -xzf "$dist" -C "$install"
tfj_home=$(ls -d "$install"/tfj-transfer-*)
"$tfj_home/bin/tfj" --version | tee "$work/version.txt"
grep -q "TensorFlow Java 1.1.0, TensorFlow 2.18" "$work/version.txt" && grep -q "native build: .* CPU" "$work/version.txt"
demo_data="$PWD/demo-data"
(cd "$tfj_home" && bin/tfj train --config config.yaml --set stages.0.epochs=1 --set data.root="$demo_data" \
  > "$work/dist-train.log" 2>&1) || { cat "$work/dist-train.log" >&2; exit 1; }
grep "^done in" "$work/dist-train.log"
[ -s "$tfj_home/completion/tfj.bash" ] && bash -c "source '$tfj_home/completion/tfj.bash' && complete -p tfj"
rm -rf "$install"
echo "e2e: ok"
