"""Export torchvision ResNet-18/50/101 with random weights (opset 13, input 1x3x224x224) for
jalad's analysis-speed benchmark (npm run bench:resnet). Latency and memory depend on the
architecture and the input size, not on the weight values, so no pretrained weights are needed.

Run with Debian's PyTorch:  /usr/bin/python3 experiments/models/export_resnets.py OUT_DIR [NAME...]
(apt-get install python3-torch python3-torchvision). Existing files are kept.
"""
import os
import sys

import torch
import torchvision

BUILDERS = {
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    "resnet101": torchvision.models.resnet101,
}


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(BUILDERS)
    os.makedirs(out, exist_ok=True)
    for name in names:
        path = os.path.join(out, f"{name}.onnx")
        if os.path.exists(path):
            print(f"{path} exists", flush=True)
            continue
        torch.manual_seed(0)
        net = BUILDERS[name](num_classes=1000).eval()
        x = torch.randn(1, 3, 224, 224)
        tmp = path + ".part"
        with torch.no_grad():
            torch.onnx.export(net, x, tmp, input_names=["input"], output_names=["logits"], opset_version=13)
        # Written under another name first: an interrupted export never leaves a truncated model.
        os.replace(tmp, path)
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()
