#!/usr/bin/python3
"""Reference data for the Keras .h5 weight tests (Debian has h5py but no Keras).

Writes seeded random weights in the exact layout of keras.applications' ImageNet weight files
(root attribute layer_names, a group per layer with attribute weight_names, datasets named
"<layer>/kernel:0" and so on, HWIO kernels, Dense kernels (in, out), BatchNorm gamma, beta,
moving_mean, moving_variance):
  vgg16.h5        as vgg16_weights_tf_dim_ordering_tf_kernels.h5 (with fc1, fc2, predictions)
  vgg16_notop.h5  as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (convolutions only)
  resnet50.h5     as resnet50_weights_tf_dim_ordering_tf_kernels.h5 (keras.applications.ResNet50:
                  v1, stride in the first 1x1 conv, biased convs, BatchNorm eps 1.001e-5)
and keras-io.safetensors with RGB input images (0..255) and the logits of an independent
forward pass with Keras' semantics, written here with torch.nn.functional: caffe preprocessing
(RGB -> BGR, minus the BGR ImageNet mean, no scaling), NHWC flatten order before fc1 (the
activation is permuted, not the weights), Keras padding rules, no softmax.

Usage: /usr/bin/python3 make_keras_refs.py OUT_DIR
"""
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_refs import save_safetensors  # noqa: E402

CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], np.float32)
VGG_BLOCKS = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]


def write_keras_h5(path, layers):
    """layers: [(layer_name, [(weight_name, array)])], weightless layers included."""
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for name, weights in layers:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([w.encode() for w, _ in weights], dtype="S")
            for wname, value in weights:
                g.create_dataset(wname, data=value)
    os.replace(path + ".tmp", path)


def vgg16_layers(rng, top):
    layers, channels = [("input_1", [])], 3
    for block, (width, convs) in enumerate(VGG_BLOCKS, start=1):
        for c in range(1, convs + 1):
            name = f"block{block}_conv{c}"
            kernel = rng.normal(0, np.sqrt(2.0 / (9 * channels)), (3, 3, channels, width)).astype(np.float32)
            bias = rng.normal(0, 0.05, width).astype(np.float32)
            layers.append((name, [(f"{name}/kernel:0", kernel), (f"{name}/bias:0", bias)]))
            channels = width
        layers.append((f"block{block}_pool", []))
    if top:
        layers.append(("flatten", []))
        for name, n_in, n_out in [("fc1", 25088, 4096), ("fc2", 4096, 4096), ("predictions", 4096, 1000)]:
            kernel = rng.normal(0, np.sqrt(2.0 / n_in), (n_in, n_out)).astype(np.float32)
            bias = rng.normal(0, 0.05, n_out).astype(np.float32)
            layers.append((name, [(f"{name}/kernel:0", kernel), (f"{name}/bias:0", bias)]))
    return layers


def caffe(images_rgb):
    x = images_rgb[..., ::-1] - CAFFE_MEAN_BGR
    return torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2)


def weights_of(layers):
    return {name: [torch.from_numpy(v) for _, v in ws] for name, ws in layers if ws}


def vgg16_forward(layers, images_rgb):
    w = weights_of(layers)
    x = caffe(images_rgb)
    for block, (_, convs) in enumerate(VGG_BLOCKS, start=1):
        for c in range(1, convs + 1):
            k, b = w[f"block{block}_conv{c}"]
            x = F.relu(F.conv2d(x, k.permute(3, 2, 0, 1), b, padding=1))
        x = F.max_pool2d(x, 2, 2)
    x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # Keras' Flatten on NHWC
    for name in ["fc1", "fc2"]:
        k, b = w[name]
        x = F.relu(x @ k + b)
    k, b = w["predictions"]
    return x @ k + b


RESNET_STAGES = [(2, 64, 3), (3, 128, 4), (4, 256, 6), (5, 512, 3)]


def resnet50_layers(rng):
    layers = [("input_1", []), ("conv1_pad", [])]

    def conv(name, kh, c_in, c_out):
        kernel = rng.normal(0, np.sqrt(2.0 / (kh * kh * c_in)), (kh, kh, c_in, c_out)).astype(np.float32)
        bias = rng.normal(0, 0.05, c_out).astype(np.float32)
        layers.append((name, [(f"{name}/kernel:0", kernel), (f"{name}/bias:0", bias)]))

    def bn(name, c):
        values = [rng.uniform(0.5, 1.5, c), rng.normal(0, 0.2, c), rng.normal(0, 0.2, c), rng.uniform(0.5, 1.5, c)]
        layers.append((name, [(f"{name}/{n}:0", v.astype(np.float32)) for n, v in
                              zip(["gamma", "beta", "moving_mean", "moving_variance"], values)]))

    conv("conv1_conv", 7, 3, 64)
    bn("conv1_bn", 64)
    layers += [("conv1_relu", []), ("pool1_pad", []), ("pool1_pool", [])]
    c_in = 64
    for stage, filters, blocks in RESNET_STAGES:
        for b in range(1, blocks + 1):
            name = f"conv{stage}_block{b}"
            if b == 1:
                conv(f"{name}_0_conv", 1, c_in, 4 * filters)
            conv(f"{name}_1_conv", 1, c_in, filters)
            bn(f"{name}_1_bn", filters)
            layers.append((f"{name}_1_relu", []))
            conv(f"{name}_2_conv", 3, filters, filters)
            bn(f"{name}_2_bn", filters)
            layers.append((f"{name}_2_relu", []))
            conv(f"{name}_3_conv", 1, filters, 4 * filters)
            if b == 1:
                bn(f"{name}_0_bn", 4 * filters)
            bn(f"{name}_3_bn", 4 * filters)
            layers += [(f"{name}_add", []), (f"{name}_out", [])]
            c_in = 4 * filters
    layers.append(("avg_pool", []))
    kernel = rng.normal(0, np.sqrt(1.0 / 2048), (2048, 1000)).astype(np.float32)
    layers.append(("predictions", [("predictions/kernel:0", kernel),
                                   ("predictions/bias:0", rng.normal(0, 0.05, 1000).astype(np.float32))]))
    return layers


def resnet50_forward(layers, images_rgb):
    w = weights_of(layers)

    def conv(x, name, stride=1, pad=0):
        k, b = w[name]
        return F.conv2d(x, k.permute(3, 2, 0, 1), b, stride=stride, padding=pad)

    def bn(x, name):
        gamma, beta, mean, var = w[name]
        return F.batch_norm(x, mean, var, gamma, beta, False, 0.0, 1.001e-5)

    x = F.pad(caffe(images_rgb), (3, 3, 3, 3))
    x = F.relu(bn(conv(x, "conv1_conv", 2), "conv1_bn"))
    x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)  # ZeroPadding2D(1) then MaxPooling2D(3, 2)
    for stage, _, blocks in RESNET_STAGES:
        for b in range(1, blocks + 1):
            name = f"conv{stage}_block{b}"
            stride = 2 if b == 1 and stage > 2 else 1
            shortcut = bn(conv(x, f"{name}_0_conv", stride), f"{name}_0_bn") if b == 1 else x
            y = F.relu(bn(conv(x, f"{name}_1_conv", stride), f"{name}_1_bn"))
            y = F.relu(bn(conv(y, f"{name}_2_conv", 1, 1), f"{name}_2_bn"))  # 'same', stride 1
            y = bn(conv(y, f"{name}_3_conv"), f"{name}_3_bn")
            x = F.relu(y + shortcut)
    k, b = w["predictions"]
    return x.mean((2, 3)) @ k + b


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    rng = np.random.default_rng(11)
    images = rng.uniform(0, 255, (2, 224, 224, 3)).astype(np.float32)
    vgg = vgg16_layers(rng, top=True)
    write_keras_h5(os.path.join(out, "vgg16.h5"), vgg)
    notop = [(n, ws) for n, ws in vgg if not n.startswith(("flatten", "fc", "predictions"))]
    write_keras_h5(os.path.join(out, "vgg16_notop.h5"), notop)
    write_keras_h5(os.path.join(out, "mystery.h5"), [
        ("dense_1", [("dense_1/kernel:0", np.ones((4, 3), np.float32)), ("dense_1/bias:0", np.zeros(3, np.float32))]),
        ("dense_2", [("dense_2/kernel:0", np.ones((3, 2), np.float32)), ("dense_2/bias:0", np.zeros(2, np.float32))])])
    resnet = resnet50_layers(rng)
    write_keras_h5(os.path.join(out, "resnet50.h5"), resnet)
    with torch.no_grad():
        save_safetensors(os.path.join(out, "keras-io.safetensors"), {
            "images": torch.from_numpy(images),
            "vgg16_logits": vgg16_forward(vgg, images),
            "resnet50_logits": resnet50_forward(resnet, images),
        })
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"h5py {h5py.__version__} torch {torch.__version__}\n")


if __name__ == "__main__":
    main()
