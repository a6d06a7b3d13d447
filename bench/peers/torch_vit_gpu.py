"""PyTorch peer for bench/gpu-check.sh: timm's DINO ViT-S/8 and MAE ViT-B/16 (random weights, eval, no grad),
`forward_features` on random inputs already on the GPU, timed with CUDA events (median after warm-up), as in
../shared/anchors. Arguments: MODEL:BATCH:MODE ... with MODE fp32 (TF32 off), tf32, bf16 (autocast) or
compiled-bf16 (torch.compile + autocast). Prints 'torch MODEL BATCH MODE IMG_PER_S MS_PER_BATCH' per case, or
'torch MODEL BATCH MODE failed: ERROR' (traceback on stderr): each case runs on its own, and the torch.compile
cases run last whatever the order given, so that an Inductor failure or a slow compile costs only their rows.
A peer only: never imported by vitprobe itself."""
import sys
import traceback

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


def run_case(name, batch, mode):
    torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
    torch.backends.cudnn.allow_tf32 = mode == "tf32"
    model = timm.create_model(MODELS[name], pretrained=False, num_classes=0).cuda().eval()
    x = torch.randn(batch, 3, 224, 224, device="cuda")
    compiled = mode.startswith("compiled")
    features = torch.compile(model.forward_features) if compiled else model.forward_features
    if "bf16" in mode:
        def forward(inputs):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return features(inputs)
    else:
        forward = features
    return time_forward(forward, x, 10 if compiled else 3, 20)


def main():
    torch.manual_seed(0)
    specs = sorted(sys.argv[1:], key=lambda s: s.split(":")[2].startswith("compiled"))  # stable: order kept otherwise
    for spec in specs:
        name, batch, mode = spec.split(":")
        batch = int(batch)
        try:
            ms = run_case(name, batch, mode)
            print(f"torch {name} {batch} {mode} {batch * 1000 / ms:.1f} {ms:.3f}", flush=True)
        except Exception as e:  # one case's failure (Inductor, Triton, memory) must not lose the others
            traceback.print_exc()
            first_line = (str(e).splitlines() or [""])[0]
            print(f"torch {name} {batch} {mode} failed: {type(e).__name__}: {first_line}", flush=True)
        finally:
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
