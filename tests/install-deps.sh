#!/usr/bin/env bash
# What the tests need beyond Java 17 and Maven: Debian's PyTorch and torchvision (apt, never pip),
# which generate the parity references, h5py for Keras-layout .h5 fixtures, scikit-learn for the
# metrics references, and Chromium for the report check.
set -euo pipefail
need=()
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || need+=(python3-torch python3-torchvision libopenblas0)
/usr/bin/python3 -c "import h5py" 2>/dev/null || need+=(python3-h5py)
# scikit-learn: the reference for the evaluation metrics; chromium: opens report.html in tests/e2e.sh
/usr/bin/python3 -c "import sklearn" 2>/dev/null || need+=(python3-sklearn)
command -v chromium > /dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
/usr/bin/python3 -c "import torch, torchvision, sklearn; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'sklearn', sklearn.__version__)"
