"""The table of bench/gpu-check.sh: our CUDA forward against PyTorch on the same card, from the lines that
CudaForwardBenchmark ('ours ...') and bench/peers/torch_vit_gpu.py ('torch ...') printed in the same call.
Usage: gpu_check_table.py OURS.txt TORCH.txt. Works on partial files (a step that timed out or failed): a row
without both numbers says which side is missing. Exit status 0 when every target of issue 10 is met, 1 otherwise
(a missing row misses its target)."""
import sys

# Issue 10, "done means": ratios of images per second to PyTorch eager in the same call, and the batch-1 latency
# below both PyTorch's and the H200 anchor (../shared/anchors: 3.14 ms).
LATENCY_TARGET_MS = 3.1
ROWS = [  # (model, batch, our precision, PyTorch mode, minimum ratio or None for information only)
    ("vits8", 64, "fp32", "fp32", 1.15),
    ("vits8", 64, "bf16", "bf16", 1.0),
    ("vitb16", 64, "bf16", "bf16", 1.0),
    ("vits8", 1, "fp32", "fp32", 1.0),
    ("vits8", 64, "fp32-simt", "fp32", None),
    ("vits8", 64, "tf32", "tf32", None),
    ("vits8", 64, "bf16", "compiled-bf16", None),
    ("vits8", 1, "bf16", "bf16", None),
]


def read_ours(path):
    """{(model, batch, precision): {key: float}} from 'ours MODEL BATCH PRECISION key=value ...' lines."""
    ours = {}
    for line in open(path, errors="replace"):
        f = line.split()
        if len(f) > 4 and f[0] == "ours":
            ours[(f[1], int(f[2]), f[3])] = {k: float(v) for k, v in (kv.split("=") for kv in f[4:])}
    return ours


def read_torch(path):
    """{(model, batch, mode): (img/s, ms) or the failure text} from 'torch MODEL BATCH MODE ...' lines."""
    torch = {}
    for line in open(path, errors="replace"):
        f = line.split()
        if len(f) < 5 or f[0] != "torch":
            continue
        key = (f[1], int(f[2]), f[3])
        torch[key] = line.split("failed:", 1)[1].strip() if f[4] == "failed:" else (float(f[4]), float(f[5]))
    return torch


def main(ours_path, torch_path):
    ours, torch = read_ours(ours_path), read_torch(torch_path)
    missed = []
    print(f"{'model':7} {'batch':>5} {'ours':10} {'img/s':>8} {'ms':>8}   {'PyTorch':14} {'img/s':>8} {'ms':>8} "
          f"{'ratio':>6} {'target':>14} verdict")
    for model, batch, precision, mode, target in ROWS:
        o, t = ours.get((model, batch, precision)), torch.get((model, batch, mode))
        wanted = "" if target is None else f">={target:.2f}x"
        if model == "vits8" and batch == 1 and precision == "fp32":
            wanted += f" <{LATENCY_TARGET_MS}ms"
        label = f"{model:7} {batch:5} {precision:10}"
        if o is None or not isinstance(t, tuple):
            why = "ours missing (step timed out or failed)" if o is None else (
                "PyTorch missing" if t is None else f"PyTorch failed: {t}")
            print(f"{label} {why}" + ("" if target is None else f"  target {wanted}: MISS"))
            if target is not None:
                missed.append(f"{model} {batch} {precision} (no number)")
            continue
        ratio = o["img_s"] / t[0]
        ok = target is None or ratio >= target
        if "<" in wanted:
            ok = ok and o["device_ms"] < LATENCY_TARGET_MS
        verdict = "" if target is None else ("ok" if ok else "MISS")
        if not ok:
            missed.append(f"{model} {batch} {precision} ({ratio:.2f}x, {o['device_ms']:.3f} ms)")
        print(f"{label} {o['img_s']:8.1f} {o['device_ms']:8.3f}   {mode:14} {t[0]:8.1f} {t[1]:8.3f} "
              f"{ratio:6.2f} {wanted:>14} {verdict}")
    print("ours img/s and ms: device time of the forward (CUDA events, pixels on the device, outputs left there,")
    print("as PyTorch is timed); targets of issue 10; informational rows have none.")
    print()
    print("Six intermediates (q, k, v, x, y, y_norm of the last block) into Java arrays, per batch:")
    print(f"{'model':7} {'batch':>5} {'ours':10} {'forward':>8} {'+6 dev':>8} {'6 D2H':>8} {'wall':>8} "
          f"{'6 wall':>8} {'cost':>8}  (ms)")
    for (model, batch, precision), o in sorted(ours.items()):
        if "six_wall_ms" not in o:
            continue
        cost = o["six_wall_ms"] - o["wall_ms"]
        note = "  copies cost more than the forward" if cost > o["device_ms"] else ""
        print(f"{model:7} {batch:5} {precision:10} {o['device_ms']:8.3f} {o['six_device_ms'] - o['device_ms']:8.3f} "
              f"{o['six_d2h_ms']:8.3f} {o['wall_ms']:8.3f} {o['six_wall_ms']:8.3f} {cost:8.3f}{note}")
    print("forward: device time; +6 dev: extra device time of the forward that keeps the six; 6 D2H: device time of")
    print("their copies to the host; wall / 6 wall: the whole Java call without / with them; cost: the difference.")
    targets = sum(1 for row in ROWS if row[4] is not None)
    print(f"targets: {targets - len(missed)} of {targets} met" + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
