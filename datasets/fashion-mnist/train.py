#!/usr/bin/python3
"""Train three small Fashion-MNIST CNNs and export them to ONNX for jalad.

Usage (from the repository root):
    /usr/bin/python3 datasets/fashion-mnist/train.py [--models vgg,resnet,inception]
                                                    [--time-batches N]

Needs the Debian packages python3-torch, python3-onnx and dataset-fashion-mnist.
The 60k training set is read from /usr/share/datasets/fashion-mnist/; the test set
is read from the copies next to this script, so the recorded accuracies and
predictions refer to exactly the bytes that ship with jalad.

Writes, next to this script: vgg.onnx, resnet.onnx, inception.onnx, models.json
and pytorch-predictions.json. With --models, only the named models are retrained
and the other entries of the two JSON files are kept.
"""

import argparse
import gzip
import hashlib
import json
import os
import struct
import sys
import time

# Let idle OpenMP threads sleep instead of spinning: the 2 cores are shared with
# other work, and spinning threads slowed training several-fold. No numeric effect.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST training-set pixel statistics after /255
OPSET = 14  # torch 1.13's default export opset
SEED = 20240611
BATCH = 128
THREADS = 2

# Per model: epochs and peak learning rate. Epochs were chosen from timings of 40
# training batches on 2 idle cores (about 30 s/epoch for VGG and 35 s for
# Inception) to keep the whole run near 20 minutes on idle cores; on shared,
# busy cores it took about an hour.
CONFIG = {
    "vgg": {"epochs": 10, "lr": 2e-3},
    "resnet": {"epochs": 8, "lr": 4e-3},
    "inception": {"epochs": 8, "lr": 4e-3},
}


# ---------------------------------------------------------------- data

def read_idx(path, magic, dims):
    """Read a gzipped IDX file, checking its magic number and shape."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    got_magic, = struct.unpack(">I", raw[:4])
    if got_magic != magic:
        raise ValueError(f"{path}: magic {got_magic:#x}, expected {magic:#x}")
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data for shape {shape}")
    return data.reshape(shape)


def load(directory, prefix):
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1)
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
        raise ValueError(f"{prefix}: images {images.shape} vs labels {labels.shape}")
    return images, labels


def preprocess(images):
    """uint8 [N,28,28] -> float32 [N,1,28,28]: (p/255 - MEAN)/STD.

    Computed in float64 and rounded once to float32, so that any implementation
    that does the arithmetic in double precision (e.g. JavaScript) gets the same
    float32 tensor bit for bit.
    """
    x = (images.astype(np.float64) / 255.0 - MEAN) / STD
    return torch.from_numpy(x.astype(np.float32)).unsqueeze(1)


# ---------------------------------------------------------------- models

class VGG(nn.Module):
    """Plain chain: three (conv-relu-conv-relu-maxpool) blocks, then two FC layers."""

    def __init__(self):
        super().__init__()
        layers, cin = [], 1
        for cout in (16, 32, 64):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                       nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            cin = cout
        self.features = nn.Sequential(*layers)  # 28 -> 14 -> 7 -> 3
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 3 * 3, 128), nn.ReLU(inplace=True),
            nn.Dropout(0.3),  # identity at export time (eval mode)
            nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """ResNet basic block; a 1x1 strided conv + BN projects the shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """Stem, then 16/32/64-channel stages at 28/14/7 px; two projection shortcuts."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.layer1 = BasicBlock(16, 16, 1)  # identity shortcut
        self.layer2 = BasicBlock(16, 32, 2)  # projection shortcut
        self.layer3 = BasicBlock(32, 64, 2)  # projection shortcut
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


def conv_bn(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class InceptionModule(nn.Module):
    """Four parallel branches (1x1 | 1x1-3x3 | 1x1-5x5 | maxpool-1x1) joined by Concat."""

    def __init__(self, cin, c1, c3r, c3, c5r, c5, cp):
        super().__init__()
        self.b1 = conv_bn(cin, c1, 1)
        self.b3 = nn.Sequential(conv_bn(cin, c3r, 1), conv_bn(c3r, c3, 3))
        self.b5 = nn.Sequential(conv_bn(cin, c5r, 1), conv_bn(c5r, c5, 5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv_bn(cin, cp, 1))
        self.channels = c1 + c3 + c5 + cp

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class Inception(nn.Module):
    """Stem conv, two inception modules (at 14 and 7 px), global average pool, FC."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 24, 3), nn.MaxPool2d(2))  # 28 -> 14
        self.inc1 = InceptionModule(24, 16, 16, 24, 8, 12, 12)         # 64 channels
        self.down = nn.MaxPool2d(2)                                     # 14 -> 7
        self.inc2 = InceptionModule(64, 32, 32, 48, 12, 16, 16)        # 112 channels
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.inc2.channels, 10)

    def forward(self, x):
        x = self.inc2(self.down(self.inc1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


MODELS = {
    "vgg": (VGG, "VGG-style chain: 3x(conv3x3-relu-conv3x3-relu-maxpool) 16/32/64 ch, FC 576-128-10"),
    "resnet": (ResNet, "ResNet: conv3x3 stem, 3 basic blocks 16/32/64 ch (2 with 1x1 stride-2 projection shortcuts), BatchNorm, global avgpool, FC 64-10"),
    "inception": (Inception, "Inception: conv3x3 stem + maxpool, 2 modules of 4 branches (1x1 | 1x1-3x3 | 1x1-5x5 | maxpool3x3-1x1) joined by Concat, BatchNorm, global avgpool, FC 112-10"),
}


# ---------------------------------------------------------------- training

def augment(x, gen):
    """Random horizontal flip per image: cheap, and garments are left/right symmetric."""
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def train(name, model, x, y, epochs, lr, max_batches=None):
    gen = torch.Generator().manual_seed(SEED + 1)  # shuffling and augmentation
    steps = (x.shape[0] + BATCH - 1) // BATCH
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    # One-cycle schedule: reaches good accuracy in few epochs.
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps,
                                                pct_start=0.25)
    model.train()
    start = time.time()
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0], generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        t0 = time.time()
        for i in range(steps):
            idx = order[i * BATCH:(i + 1) * BATCH]
            xb, yb = augment(x[idx], gen), y[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += yb.shape[0]
            correct += (out.argmax(1) == yb).sum().item()
            loss_sum += loss.item() * yb.shape[0]
            if max_batches and i + 1 >= max_batches:
                secs = time.time() - t0
                print(f"{name}: {secs / max_batches:.3f} s/batch, "
                      f"~{secs / max_batches * steps:.0f} s/epoch", flush=True)
                return secs
        print(f"{name}: epoch {epoch + 1}/{epochs} loss {loss_sum / total:.4f} "
              f"train acc {correct / total:.4f} ({time.time() - t0:.0f} s)", flush=True)
    return time.time() - start


@torch.no_grad()
def evaluate(model, x):
    model.eval()
    return torch.cat([model(x[i:i + 1000]) for i in range(0, x.shape[0], 1000)])


def export(model, path):
    """Export in inference mode, keeping BatchNormalization as separate nodes.

    TrainingMode.EVAL would run torch's eval peephole, which folds BN into the
    preceding Conv; PRESERVE on a model in eval mode exports inference-mode BN
    nodes instead, which keeps the graph close to the PyTorch module structure.
    """
    model.eval()
    dummy = torch.zeros(2, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False)
    m = onnx.load(path)
    # torch deduplicates bit-identical parameters (e.g. two BN layers whose
    # running stats happen to match) into one initializer plus Identity nodes;
    # give each its own initializer again so the graph holds only real layers.
    inits = {t.name: t for t in m.graph.initializer}
    for node in [n for n in m.graph.node if n.op_type == "Identity" and n.input[0] in inits]:
        copy = onnx.TensorProto()
        copy.CopyFrom(inits[node.input[0]])
        copy.name = node.output[0]
        m.graph.initializer.append(copy)
        m.graph.node.remove(node)
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    return m


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_json(path, obj):
    """Write atomically: a half-written file must never replace a good one."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path, default):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return default


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--time-batches", type=int, default=0,
                    help="only time N training batches per model; write nothing")
    args = ap.parse_args()
    names = args.models.split(",")
    for n in names:
        if n not in MODELS:
            sys.exit(f"unknown model {n!r}; choose from {', '.join(MODELS)}")

    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}", flush=True)

    train_x, train_y = load(TRAIN_DIR, "train")
    test_x, test_y = load(HERE, "t10k")
    x, y = preprocess(train_x), torch.from_numpy(train_y.astype(np.int64))
    tx, ty = preprocess(test_x), torch.from_numpy(test_y.astype(np.int64))

    models_path = os.path.join(HERE, "models.json")
    preds_path = os.path.join(HERE, "pytorch-predictions.json")
    info = read_json(models_path, {})
    preds = read_json(preds_path, {})
    info["preprocessing"] = {
        "scale": 1 / 255, "mean": [MEAN], "std": [STD], "layout": "NCHW",
        "formula": "float32((pixel / 255 - mean) / std), computed in float64",
        "inputShape": ["batch", 1, 28, 28], "inputName": "input", "outputName": "logits",
    }
    info.setdefault("models", {})

    for name in names:
        cls, arch = MODELS[name]
        cfg = CONFIG[name]
        torch.manual_seed(SEED)  # same init seed per model, independent of run order
        model = cls()
        if args.time_batches:
            train(name, model, x, y, cfg["epochs"], cfg["lr"], args.time_batches)
            continue
        secs = train(name, model, x, y, cfg["epochs"], cfg["lr"])
        logits = evaluate(model, tx)
        pred = logits.argmax(1)
        correct = int((pred == ty).sum())
        # Gap between the two largest logits: a tiny gap means another runtime's
        # rounding could legitimately pick the other class for that image.
        top2 = logits.topk(2, 1).values
        gap = top2[:, 0] - top2[:, 1]
        path = os.path.join(HERE, f"{name}.onnx")
        export(model, path)
        info["models"][name] = {
            "file": f"{name}.onnx",
            "architecture": arch,
            "parameters": sum(p.numel() for p in model.parameters()),
            "opset": OPSET,
            "epochs": cfg["epochs"],
            "trainSeconds": round(secs, 1),
            "testCorrect": correct,
            "testAccuracy": correct / ty.shape[0],
            "minTop2LogitGap": float(gap.min()),
            "nearTies": [int(i) for i in torch.nonzero(gap < 1e-4).flatten()],
            "bytes": os.path.getsize(path),
            "sha256": sha256(path),
        }
        preds[name] = "".join(str(int(p)) for p in pred)
        print(f"{name}: test {correct}/{ty.shape[0]} = {correct / ty.shape[0]:.4f}, "
              f"{os.path.getsize(path) / 1024:.0f} KB, trained {secs:.0f} s", flush=True)
        # Save after every model so a later failure does not lose earlier results.
        write_json(models_path, info)
        write_json(preds_path, preds)


if __name__ == "__main__":
    main()
