"""PyTorch peer for bench/gpu-check.sh: timm's DINO ViT-S/8 and MAE ViT-B/16 (random weights, eval, no grad),
`forward_features` on random inputs already on the GPU, timed with CUDA events (median after warm-up), as in
../shared/anchors. Arguments: MODEL:BATCH:MODE ... with MODE fp32 (TF32 off), tf32, bf16 (autocast) or
compiled-bf16 (torch.compile + autocast). Prints 'torch MODEL BATCH MODE IMG_PER_S' per case. A peer only:
never imported by vitprobe itself."""
import sys

import timm
import torch

MODELS = {"vits8": "vit_small_patch8_224", "vitb16": "vit_base_patch16_224"}


def time_forward(forward, x, warmup, runs):
    with torch.inference_mode():
        for _ in range(warmup):
            forward(x)
        torch.cuda.synchronize()
        times = []
        for _ in range(runs):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            forward(x)
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def main():
    torch.manual_seed(0)
    for spec in sys.argv[1:]:
        name, batch, mode = spec.split(":")
        batch = int(batch)
        torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
        torch.backends.cudnn.allow_tf32 = mode == "tf32"
        model = timm.create_model(MODELS[name], pretrained=False, num_classes=0).cuda().eval()
        x = torch.randn(batch, 3, 224, 224, device="cuda")
        features = torch.compile(model.forward_features) if mode.startswith("compiled") else model.forward_features
        if "bf16" in mode:
            def forward(inputs):
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    return features(inputs)
        else:
            forward = features
        warmup = 10 if mode.startswith("compiled") else 3
        ms = time_forward(forward, x, warmup, 20)
        print(f"torch {name} {batch} {mode} {batch * 1000 / ms:.1f}", flush=True)
        del model, features


if __name__ == "__main__":
    main()
