"""Writes a Broden-sized synthetic pair of probe files (patch tokens, groups, categories) for timing `vitprobe probe`.

Usage: broden_probe_data.py OUT_DIR [--images 5000] [--test-images 1250] [--patches 16] [--dim 384] [--seed 0]
About 1,200 concepts, as in Broden without its colours, over five categories: object, part and material label
single patches, scene and texture whole images (every patch of the image). Within a category,
concept frequencies fall off like Zipf's law, so many concepts are rare and some miss from the test split.
Features are F16: a shared offset, the sum of the prototypes of a patch's labels, and noise.
"""
import argparse
import json

import numpy as np

from probe_vs_sklearn import write_safetensors

# category: (concepts, share of patches labelled, whole image)
CATEGORIES = {"object": (584, 0.8, False), "part": (234, 0.3, False), "material": (32, 0.2, False),
              "scene": (300, 1.0, True), "texture": (47, 0.5, True)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--images", type=int, default=5000)
    p.add_argument("--test-images", type=int, default=1250)
    p.add_argument("--patches", type=int, default=16)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    names, categories, first = [], [], {}
    for k, (name, (count, _, _)) in enumerate(CATEGORIES.items()):
        first[name] = len(names)
        names += [f"{name}{i:03d}" for i in range(count)]
        categories += [k] * count
    prototypes = rng.standard_normal((len(names), args.dim)).astype(np.float32)
    offset = 2.0 * rng.standard_normal(args.dim).astype(np.float32)
    meta = {"concepts": json.dumps(names), "tokens": "patch", "token_type": "k"}
    for split, images in (("train", args.images), ("test", args.test_images)):
        n = images * args.patches
        labels = np.zeros((n, len(names)), dtype=np.uint8)
        for name, (count, share, whole_image) in CATEGORIES.items():
            zipf = 1.0 / np.arange(1, count + 1)
            drawn = first[name] + rng.choice(count, size=images if whole_image else n, p=zipf / zipf.sum())
            shown = rng.random(drawn.shape) < share
            rows = np.arange(n) // args.patches if whole_image else np.arange(n)
            cols = drawn[rows]
            labels[np.arange(n)[shown[rows]], cols[shown[rows]]] = 1
        noise = rng.standard_normal((n, args.dim)).astype(np.float32)
        features = labels.astype(np.float32) @ prototypes + offset + noise
        groups = np.repeat(np.arange(images, dtype=np.int64), args.patches)
        write_safetensors(f"{args.out}/{split}.safetensors",
                          {"features": features.astype(np.float16), "labels": labels, "groups": groups,
                           "categories": np.array(categories, dtype=np.int64)}, meta)


if __name__ == "__main__":
    main()
