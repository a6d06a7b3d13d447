"""Exports the PyTorch peer's encoder (torchvision's ViT with the shapes of DINO ViT-S/8 and MAE ViT-B/16, random
weights, fp32) to ONNX, opset 17, dynamic batch, for the ONNX Runtime peer of bench/cpu-forward.sh. The files are
made by the bench, never committed. Usage: export_onnx.py OUT_DIR  → OUT_DIR/vits8.onnx, OUT_DIR/vitb16.onnx"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_vit_cpu import build  # noqa: E402  (the same encoder the PyTorch peer times)


class Encoder(torch.nn.Module):
    def __init__(self, forward, model):
        super().__init__()
        self.model = model  # registers the weights
        self.run = forward

    def forward(self, x):
        return self.run(x)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in ("vits8", "vitb16"):
        forward, model = build(name)
        encoder = Encoder(forward, model).eval()
        x = torch.randn(1, 3, 224, 224)
        path = os.path.join(out, name + ".onnx")
        # With gradients enabled, torch's attention takes its plain path (matmul, softmax), which ONNX can express;
        # the fused inference kernel has no ONNX export.
        torch.onnx.export(encoder, x, path, opset_version=17, input_names=["pixels"], output_names=["tokens"],
                          dynamic_axes={"pixels": {0: "batch"}, "tokens": {0: "batch"}})
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
