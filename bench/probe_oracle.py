"""Writes the scikit-learn oracle files that probe's unit tests compare the hyperplane trainers against.

    /usr/bin/python3 bench/probe_oracle.py [FIXTURES_DIR]   (default /work/shared/fixtures)

Output, in probe/src/test/resources/sklearn/:
  separable.safetensors, nonseparable.safetensors: synthetic train_features/train_labels/test_features/test_labels
  tokens-<fixture>.safetensors: labels and a train mask for the patch tokens of real ViT forwards (the fixture's
      y_norm, read by the test from the fixture itself; timm-dino-vits8-depth2: 784 tokens of D=384,
      hf-vit-dino-format-small: 2x784 of D=64), concepts = regions of the 28x28 patch grid, checkerboard split
Each holds directions [C,D] and thresholds [C] of LogisticRegression(C=1) fitted to convergence per concept on all
training samples, and metadata naming the sklearn version. scikit-learn is a peer, never a dependency.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(__file__))
from probe_vs_sklearn import read_safetensors, write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "probe", "src", "test", "resources", "sklearn")
C = 1.0


def fit(x, labels):
    directions = np.zeros((labels.shape[1], x.shape[1]), np.float32)
    thresholds = np.zeros(labels.shape[1], np.float32)
    for c in range(labels.shape[1]):
        model = LogisticRegression(C=C, tol=1e-10, max_iter=100000).fit(x.astype(np.float64), labels[:, c])
        directions[c], thresholds[c] = model.coef_[0], -model.intercept_[0]
    return directions, thresholds


def meta(concepts, **extra):
    return {"concepts": json.dumps(concepts), "C": str(C), "sklearn": sklearn.__version__,
            "fit": "LogisticRegression(C, tol=1e-10, max_iter=100000) per concept on all training samples", **extra}


def synthetic(name, separable, seed):
    rng = np.random.default_rng(seed)
    n, dim, concepts, latent = 6000, 16, 6, 6
    z = rng.standard_normal((n, latent))
    x = z @ (rng.standard_normal((latent, dim)) * np.geomspace(4, 0.5, latent)[:, None]) + rng.standard_normal(dim) * 3
    x += 0.3 * rng.standard_normal((n, dim))
    score = z @ rng.standard_normal((latent, concepts))
    if not separable:
        score += 1.0 * rng.standard_normal(score.shape)
    cut = np.quantile(score, 1 - np.linspace(0.05, 0.3, concepts), axis=0).diagonal()
    labels = (score > cut).astype(np.uint8)
    if separable:  # a margin around every concept's boundary
        keep = np.all(np.abs(score - cut) > 0.3, axis=1)
        x, labels = x[keep], labels[keep]
    x = x.astype(np.float32)
    train = len(x) // 2
    directions, thresholds = fit(x[:train], labels[:train])
    write_safetensors(f"{OUT}/{name}.safetensors", {
        "train_features": x[:train], "train_labels": labels[:train],
        "test_features": x[train:], "test_labels": labels[train:],
        "directions": directions, "thresholds": thresholds}, meta([f"{name}{c}" for c in range(concepts)]))


def tokens(fixtures, model):
    ref, _ = read_safetensors(f"{fixtures}/{model}/reference.safetensors")
    images = ref["y_norm"].shape[0]
    x = ref["y_norm"][:, 1:].reshape(-1, ref["y_norm"].shape[2]).astype(np.float32)  # patches, image-major
    row, col = np.divmod(np.tile(np.arange(784), images), 28)
    regions = {
        "top": row < 12, "left": col < 14, "center": np.maximum(np.abs(row - 13.5), np.abs(col - 13.5)) < 8,
        "upper_triangle": row < col, "border": np.minimum(np.minimum(row, col), np.minimum(27 - row, 27 - col)) < 5,
        "lower_right": (row >= 12) & (col >= 12)}
    labels = np.stack(list(regions.values()), axis=1).astype(np.uint8)
    train = ((row + col) % 2 == 0).astype(np.uint8)  # a checkerboard: every region in both halves
    directions, thresholds = fit(x[train == 1], labels[train == 1])
    write_safetensors(f"{OUT}/tokens-{model}.safetensors", {
        "labels": labels, "train_mask": train, "directions": directions, "thresholds": thresholds},
        meta(list(regions), fixture=f"{model}/reference.safetensors", tensor="y_norm[:, 1:] (patch tokens)",
             feature_sum=repr(float(x.astype(np.float64).sum()))))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    synthetic("separable", True, 1)
    synthetic("nonseparable", False, 2)
    for fixture in ("timm-dino-vits8-depth2", "hf-vit-dino-format-small"):
        tokens(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/fixtures", fixture)
