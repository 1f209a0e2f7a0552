"""Export standard torchvision architectures (random weights) to ONNX for jalad's
latency benchmark. Pretrained weights are not needed: latency depends on the
architecture and the input size, not on the weight values.

Run with Debian's PyTorch:  /usr/bin/python3 experiments/models/export_standard.py [OUT_DIR]
(apt-get install python3-torch python3-torchvision). Default OUT_DIR: .cache/standard-models
"""
import os
import sys

import torch
import torchvision

OUT = sys.argv[1] if len(sys.argv) > 1 else ".cache/standard-models"
# name -> (constructor, input side in pixels). Small inputs keep the benchmark quick on
# a 2-core machine while keeping every layer type of the architecture.
MODELS = {
    "resnet18": (lambda: torchvision.models.resnet18(num_classes=1000), 112),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(num_classes=1000), 112),
    "googlenet": (lambda: torchvision.models.googlenet(num_classes=1000, aux_logits=False, init_weights=True), 112),
    "densenet121": (lambda: torchvision.models.densenet121(num_classes=1000), 112),
    "shufflenet_v2": (lambda: torchvision.models.shufflenet_v2_x1_0(num_classes=1000), 112),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    for name, (make, side) in MODELS.items():
        path = os.path.join(OUT, f"{name}.onnx")
        if os.path.exists(path):
            print(f"{path} exists")
            continue
        net = make().eval()
        x = torch.randn(1, 3, side, side)
        torch.onnx.export(net, x, path, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, input 1x3x{side}x{side})")


if __name__ == "__main__":
    main()
