#!/usr/bin/env bash
# Builds the DJL consumer and runs it offline on a tfj-transfer SavedModel export.
# Usage: tests/djl-consumer/run.sh VERSION_DIR IMAGES_DIR [--expect predict.jsonl] [--top K]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mvn -q -B -ntp -f "$here/pom.xml" package
natives="$here/target/tf-natives/org/tensorflow/internal/c_api/linux-x86_64"
# DJL's TensorFlow engine finds libjnitensorflow.so through TENSORFLOW_LIBRARY_PATH; the two
# TensorFlow 2.16 libraries beside it are found by the dynamic loader.
export TENSORFLOW_LIBRARY_PATH="$natives"
export LD_LIBRARY_PATH="$natives${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec java -Dai.djl.offline=true -jar "$here/target/djl-consumer.jar" "$@"
