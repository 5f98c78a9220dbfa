#!/usr/bin/env bash
# What the tests need beyond Java 17 and Maven: Debian's PyTorch and torchvision (apt, never pip),
# which generate the parity references, and h5py for Keras-layout .h5 fixtures.
set -euo pipefail
need=()
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || need+=(python3-torch python3-torchvision libopenblas0)
/usr/bin/python3 -c "import h5py" 2>/dev/null || need+=(python3-h5py)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
/usr/bin/python3 -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__)"
