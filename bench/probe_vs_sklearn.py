"""Peer comparison for concept templates: scikit-learn's LogisticRegression against vitprobe's hyperplane trainers.

Subcommands (driven by probe-vs-sklearn.sh):
  data OUT_DIR --n N --test-n M --dim D --concepts C --seed S
      writes train.safetensors and test.safetensors in the vitprobe probe-file format
  sklearn DATA_DIR OUT.safetensors [--C 1.0]
      fits LogisticRegression(C) per concept on all training samples, writes its templates, prints fit time
  compare DATA_DIR NAME=TEMPLATES.safetensors ... --seconds NAME=WALL[,TRAIN] ...
      balanced held-out accuracy per concept for each template file, on the same test draws for all of them;
      the first is the baseline of the differences and of the speed-up (wall time)

scikit-learn is a peer here, never a dependency of vitprobe.
"""
import argparse
import json
import struct
import sys
import time

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "U8": np.uint8, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=DTYPES[h["dtype"]]).reshape(h["shape"])
    return out, meta


def write_safetensors(path, tensors, meta):
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name, arr in tensors.items():
        dtype = next(k for k, v in DTYPES.items() if v == arr.dtype)
        blob = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make_data(args):
    """Features with ViT-like structure (a common offset, few strong directions, noise) and concepts that are
    noisy linear functions of the latent factors, with prevalences from 1% to 20%: not linearly separable."""
    rng = np.random.default_rng(args.seed)
    latent = 64
    n = args.n + args.test_n
    z = rng.standard_normal((n, latent))
    mixing = rng.standard_normal((latent, args.dim)) * np.geomspace(3.0, 0.1, latent)[:, None]
    offset = rng.standard_normal(args.dim) * 2.0
    features = (z @ mixing + offset + 0.5 * rng.standard_normal((n, args.dim))).astype(np.float32)
    directions = rng.standard_normal((latent, args.concepts))
    scores = z @ directions / np.sqrt(latent) + 0.4 * rng.standard_normal((n, args.concepts))
    prevalence = np.exp(rng.uniform(np.log(0.01), np.log(0.2), args.concepts))
    cut = np.array([np.quantile(scores[:args.n, c], 1 - prevalence[c]) for c in range(args.concepts)])
    labels = (scores > cut).astype(np.uint8)
    meta = {"concepts": json.dumps([f"c{i:03d}" for i in range(args.concepts)]), "tokens": "cls"}
    split = {"train": slice(0, args.n), "test": slice(args.n, n)}
    for name, rows in split.items():
        write_safetensors(f"{args.out}/{name}.safetensors", {"features": features[rows], "labels": labels[rows]}, meta)


def fit_sklearn(args):
    from sklearn.linear_model import LogisticRegression
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.simplefilter("ignore", ConvergenceWarning)
    train, meta = read_safetensors(f"{args.data}/train.safetensors")
    x, labels = train["features"].astype(np.float64), train["labels"]  # float64: sklearn's fastest path
    concepts = labels.shape[1]
    directions = np.zeros((concepts, x.shape[1]), np.float32)
    thresholds = np.zeros(concepts, np.float32)
    start = time.perf_counter()
    for c in range(concepts):
        model = LogisticRegression(C=args.C).fit(x, labels[:, c])
        directions[c] = model.coef_[0]
        thresholds[c] = -model.intercept_[0]
    seconds = time.perf_counter() - start
    write_safetensors(args.out, {"directions": directions, "thresholds": thresholds},
                      {"rule": "hyperplane", "tokens": "cls", "concepts": meta["concepts"]})
    print(f"{seconds:.3f}")


def balanced_accuracy(templates, x, labels, seed):
    """Per concept: all test positives and as many random negatives, the same draw for every template file."""
    scores = x @ templates["directions"].T - templates["thresholds"]
    out = []
    for c in range(labels.shape[1]):
        pos = np.flatnonzero(labels[:, c])
        neg = np.random.default_rng([seed, c]).permutation(np.flatnonzero(labels[:, c] == 0))[:len(pos)]
        out.append(((scores[pos, c] > 0).sum() + (scores[neg, c] <= 0).sum()) / (len(pos) + len(neg)))
    return np.array(out)


def compare(args):
    test, _ = read_safetensors(f"{args.data}/test.safetensors")
    x, labels = test["features"].astype(np.float64), test["labels"]
    wall, train = {}, {}
    for spec in args.seconds:  # NAME=WALL[,TRAIN]
        name, values = spec.split("=")
        parts = [float(v) for v in values.split(",")]
        wall[name], train[name] = parts[0], parts[-1]
    rows = {}
    for spec in args.templates:
        name, path = spec.split("=")
        templates, _ = read_safetensors(path)
        rows[name] = balanced_accuracy({k: v.astype(np.float64) for k, v in templates.items()}, x, labels, args.seed)
    base = next(iter(rows))
    print(f"{'trainer':<10} {'mean acc':>8} {'vs ' + base:>11} {'min acc':>8} {'wall s':>8} {'train s':>8} "
          f"{'ms/concept':>10} {'speed-up':>9}")
    for name, acc in rows.items():
        print(f"{name:<10} {acc.mean():8.4f} {acc.mean() - rows[base].mean():+11.4f} {acc.min():8.4f} {wall[name]:8.2f} "
              f"{train[name]:8.2f} {1000 * wall[name] / len(acc):10.1f} {wall[base] / wall[name]:8.1f}x")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data")
    d.add_argument("out")
    d.add_argument("--n", type=int, default=20000)
    d.add_argument("--test-n", type=int, default=10000)
    d.add_argument("--dim", type=int, default=384)
    d.add_argument("--concepts", type=int, default=200)
    d.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("sklearn")
    s.add_argument("data")
    s.add_argument("out")
    s.add_argument("--C", type=float, default=1.0)
    c = sub.add_parser("compare")
    c.add_argument("data")
    c.add_argument("templates", nargs="+")
    c.add_argument("--seconds", nargs="*", default=[])
    c.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    {"data": make_data, "sklearn": fit_sklearn, "compare": compare}[args.command](args)


if __name__ == "__main__":
    main(sys.argv[1:])
