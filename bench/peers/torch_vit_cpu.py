"""PyTorch peer for the CPU forward benchmark: torchvision's VisionTransformer (as in ../shared/anchors) with
the shapes of DINO ViT-S/8 and MAE ViT-B/16, random weights, fp32, eval mode, no grad. Prints one line per
(model, batch): 'torch MODEL BATCH IMG_PER_S'. A peer only: never imported by vitprobe itself."""
import sys
import time

import torch

SHAPES = {"vits8": dict(patch_size=8, num_layers=12, num_heads=6, hidden_dim=384, mlp_dim=1536),
          "vitb16": dict(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072)}


def build(name):
    """The encoder part of torchvision's ViT (patchify, [CLS], position embedding, blocks, final LayerNorm)."""
    try:
        from torchvision.models.vision_transformer import VisionTransformer
    except ImportError:
        sys.exit("torchvision is missing: apt-get install python3-torchvision")
    model = VisionTransformer(image_size=224, **SHAPES[name]).eval()

    def forward(x):
        tokens = model._process_input(x)
        cls = model.class_token.expand(x.shape[0], -1, -1)
        return model.encoder(torch.cat([cls, tokens], dim=1))

    return forward, model


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for name in ("vits8", "vitb16"):
        forward, _ = build(name)
        for batch in (1, 8):
            x = torch.randn(batch, 3, 224, 224)
            with torch.inference_mode():
                forward(x)  # warm-up
                times = []
                for _ in range(runs):
                    t = time.perf_counter()
                    forward(x)
                    times.append(time.perf_counter() - t)
            times.sort()
            print(f"torch {name} {batch} {batch / times[len(times) // 2]:.3f}", flush=True)


if __name__ == "__main__":
    main()
