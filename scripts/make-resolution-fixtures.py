#!/usr/bin/python3
"""Makes the oracle fixtures of inputs at other sizes than the checkpoint's 224 (run with Debian's python3-torch).

  bicubic.safetensors     PyTorch's F.interpolate(mode="bicubic") on small float64 grids, with and without
                          antialias, up, down and mixed: the oracle of the Java resampler.
  HxW.safetensors         a float64 forward of the two small checkpoints (timm DINO ViT-S/8 depth 2, transformers
                          ViTModel) on one H x W input, position embeddings resampled as each library does.

The models are written here in plain torch (no timm or transformers needed); the script first checks that they
reproduce the 224 references of ../shared/fixtures (made with the libraries themselves). The input is a crop of
the decoded astronaut picture (preprocess_oracle.safetensors), normalised with the ImageNet mean and std in
float32 as torchvision does; the Java test makes the same input from the same pixels. To stay small the files keep
a subset of the tokens: [CLS] and the patches on every 7th row and column plus the last row and column.

Usage: make-resolution-fixtures.py [FIXTURES_DIR [OUT_DIR]]
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "fixtures")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    HERE, "..", "vit-engine", "src", "test", "resources", "fixtures", "resolution")
DTYPES = {"F64": np.float64, "F32": np.float32, "U8": np.uint8, "I64": np.int64}
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# (height, width, top, left) of the crops of the 512 x 512 astronaut picture.
CROPS = [(448, 448, 32, 32), (280, 392, 116, 60)]
STRIDE = 7


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
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    print(f"wrote {path}: {os.path.getsize(path)} bytes")


def bicubic_oracle():
    """Small grids through both of PyTorch's bicubic kernels, in float64 (weights are computed in the input's type)."""
    g = torch.Generator().manual_seed(15)
    square = torch.randn(1, 3, 5, 5, generator=g, dtype=torch.float64)
    wide = torch.randn(1, 2, 4, 6, generator=g, dtype=torch.float64)
    tensors = {"square": square.numpy(), "wide": wide.numpy()}
    for name, x in (("square", square), ("wide", wide)):
        for h, w in ((9, 7), (3, 2), (8, 3), (2, 11), (x.shape[2], x.shape[3]), (17, 1)):
            for mode, aa in (("antialias", True), ("plain", False)):
                y = F.interpolate(x, size=(h, w), mode="bicubic", align_corners=False, antialias=aa)
                tensors[f"{name}_{mode}_{h}x{w}"] = y.numpy()
    write_safetensors(os.path.join(OUT, "bicubic.safetensors"), tensors, {
        "made_by": "scripts/make-resolution-fixtures.py",
        "torch": torch.__version__,
        "call": "F.interpolate(x, size=(h, w), mode='bicubic', align_corners=False, antialias=aa), float64",
    })


def normalize(pixels):
    """ToTensor + Normalize in float32: [H, W, 3] uint8 -> [1, 3, H, W]."""
    t = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float().div(255)
    mean = torch.tensor(MEAN, dtype=torch.float32)[:, None, None]
    std = torch.tensor(STD, dtype=torch.float32)[:, None, None]
    return ((t - mean) / std)[None]


class Model:
    """A ViT encoder in float64 from one of the two checkpoint layouts, with the library's resampling rule."""

    def __init__(self, folder, library):
        self.library = library
        raw, _ = read_safetensors(os.path.join(FIXTURES, folder, "model.safetensors"))
        with open(os.path.join(FIXTURES, folder, "config.json")) as f:
            config = json.load(f)
        self.weights = {k: torch.from_numpy(v.copy()) for k, v in raw.items()}
        if library == "timm":
            # timm's config.json names neither: ViT-S has 64-wide heads and timm's LayerNorm eps is 1e-6.
            self.eps, self.depth = 1e-6, sum(1 for k in raw if k.endswith("attn.qkv.weight"))
            self.heads = raw["cls_token"].shape[-1] // 64
        else:
            self.eps, self.depth = config["layer_norm_eps"], config["num_hidden_layers"]
            self.heads = config["num_attention_heads"]

    def w(self, name):
        return self.weights[name].double()

    def timm_names(self):
        return {"cls": "cls_token", "pos": "pos_embed", "patch_w": "patch_embed.proj.weight",
                "patch_b": "patch_embed.proj.bias", "norm_w": "norm.weight", "norm_b": "norm.bias"}

    def hf_names(self):
        return {"cls": "embeddings.cls_token", "pos": "embeddings.position_embeddings",
                "patch_w": "embeddings.patch_embeddings.projection.weight",
                "patch_b": "embeddings.patch_embeddings.projection.bias",
                "norm_w": "layernorm.weight", "norm_b": "layernorm.bias"}

    def position_embedding(self, gh, gw):
        names = self.timm_names() if self.library == "timm" else self.hf_names()
        stored = self.weights[names["pos"]]  # float32 [1, 1 + G*G, D], as the checkpoint holds it
        grid = int(math.sqrt(stored.shape[1] - 1))
        if (gh, gw) == (grid, grid):
            return stored.double()  # both libraries use the stored table unchanged at the checkpoint's own grid
        prefix, patches = stored[:, :1], stored[:, 1:]
        dim = stored.shape[-1]
        patches = patches.reshape(1, grid, grid, dim).permute(0, 3, 1, 2)
        if self.library == "timm":
            # resample_abs_pos_embed: computed in float32 (posemb.float()), antialias=True, then back to the
            # model's dtype; the [CLS] entry is kept as it is.
            resampled = F.interpolate(patches.float(), size=(gh, gw), mode="bicubic", antialias=True)
            resampled = resampled.double()
        else:
            # ViTEmbeddings.interpolate_pos_encoding: in the model's dtype (float64 here), no antialias.
            resampled = F.interpolate(patches.double(), size=(gh, gw), mode="bicubic", align_corners=False)
        resampled = resampled.permute(0, 2, 3, 1).reshape(1, gh * gw, dim)
        return torch.cat([prefix.double(), resampled], dim=1)

    def block_weights(self, i):
        if self.library == "timm":
            p = f"blocks.{i}."
            return (self.w(p + "norm1.weight"), self.w(p + "norm1.bias"), self.w(p + "attn.qkv.weight"),
                    self.w(p + "attn.qkv.bias"), self.w(p + "attn.proj.weight"), self.w(p + "attn.proj.bias"),
                    self.w(p + "norm2.weight"), self.w(p + "norm2.bias"), self.w(p + "mlp.fc1.weight"),
                    self.w(p + "mlp.fc1.bias"), self.w(p + "mlp.fc2.weight"), self.w(p + "mlp.fc2.bias"))
        p = f"encoder.layer.{i}."
        a = p + "attention.attention."
        qkv_w = torch.cat([self.w(a + n + ".weight") for n in ("query", "key", "value")])
        qkv_b = torch.cat([self.w(a + n + ".bias") for n in ("query", "key", "value")])
        return (self.w(p + "layernorm_before.weight"), self.w(p + "layernorm_before.bias"), qkv_w, qkv_b,
                self.w(p + "attention.output.dense.weight"), self.w(p + "attention.output.dense.bias"),
                self.w(p + "layernorm_after.weight"), self.w(p + "layernorm_after.bias"),
                self.w(p + "intermediate.dense.weight"), self.w(p + "intermediate.dense.bias"),
                self.w(p + "output.dense.weight"), self.w(p + "output.dense.bias"))

    def forward(self, images):
        """The last block's q, k, v, x, y, y_norm and the position embedding used, for float32 images [B, 3, H, W]."""
        names = self.timm_names() if self.library == "timm" else self.hf_names()
        x = images.double()
        patch_w = self.w(names["patch_w"])
        patch = patch_w.shape[-1]
        gh, gw = x.shape[2] // patch, x.shape[3] // patch
        tokens = F.conv2d(x, patch_w, self.w(names["patch_b"]), stride=patch).flatten(2).transpose(1, 2)
        cls = self.w(names["cls"]).expand(x.shape[0], -1, -1)
        pos = self.position_embedding(gh, gw)
        h = torch.cat([cls, tokens], dim=1) + pos
        out = {"pos_embed": pos}
        for i in range(self.depth):
            n1w, n1b, qkv_w, qkv_b, proj_w, proj_b, n2w, n2b, fc1_w, fc1_b, fc2_w, fc2_b = self.block_weights(i)
            normed = F.layer_norm(h, h.shape[-1:], n1w, n1b, self.eps)
            qkv = F.linear(normed, qkv_w, qkv_b)
            q, k, v = qkv.chunk(3, dim=-1)
            b, n, d = q.shape
            hd = d // self.heads

            def split(t):
                return t.reshape(b, n, self.heads, hd).transpose(1, 2)

            scores = split(q) @ split(k).transpose(-1, -2) * hd ** -0.5
            context = (scores.softmax(dim=-1) @ split(v)).transpose(1, 2).reshape(b, n, d)
            mid = h + F.linear(context, proj_w, proj_b)
            hidden = F.gelu(F.linear(F.layer_norm(mid, mid.shape[-1:], n2w, n2b, self.eps), fc1_w, fc1_b))
            h = mid + F.linear(hidden, fc2_w, fc2_b)
            out.update(q=q, k=k, v=v, x=mid, y=h)
        out["y_norm"] = F.layer_norm(h, h.shape[-1:], self.w(names["norm_w"]), self.w(names["norm_b"]), self.eps)
        return out


MODELS = [("timm", "timm-dino-vits8-depth2"), ("hf", "hf-vit-dino-format-small")]
NAMES = ["q", "k", "v", "x", "y", "y_norm"]


def relative_error(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def check_224(models, images):
    """The plain-torch models must reproduce the libraries' own references at the checkpoint's size."""
    pixels = images["resized_cropped_astronaut"]
    assert torch.equal(normalize(pixels)[0], torch.from_numpy(images["input_astronaut"].copy())), "normalisation"
    for (key, folder), model in zip(MODELS, models):
        ref, _ = read_safetensors(os.path.join(FIXTURES, folder, "reference.safetensors"))
        out = model.forward(torch.from_numpy(ref["input"].copy()))
        for name in NAMES:
            err = relative_error(out[name].numpy(), ref[name].astype(np.float64))
            print(f"224 check {folder} {name}: relative error {err:.2e}")
            assert err < 2e-6, f"{folder} {name} does not reproduce the 224 reference ({err})"


def kept_tokens(gh, gw):
    rows = sorted(set(range(0, gh, STRIDE)) | {gh - 1})
    cols = sorted(set(range(0, gw, STRIDE)) | {gw - 1})
    return np.array([0] + [1 + r * gw + c for r in rows for c in cols], dtype=np.int64)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    bicubic_oracle()
    images, _ = read_safetensors(os.path.join(FIXTURES, "images", "preprocess_oracle.safetensors"))
    models = [Model(folder, key) for key, folder in MODELS]
    check_224(models, images)
    decoded = images["decoded_astronaut"]
    for height, width, top, left in CROPS:
        pixels = decoded[top:top + height, left:left + width]
        tensors = {}
        for (key, folder), model in zip(MODELS, models):
            patch = model.w(model.timm_names()["patch_w"] if key == "timm" else model.hf_names()["patch_w"])
            patch = patch.shape[-1]
            out = model.forward(normalize(pixels))
            kept = kept_tokens(height // patch, width // patch)
            tensors[f"{key}.tokens"] = kept
            for name in ["pos_embed"] + NAMES:
                tensors[f"{key}.{name}"] = out[name][:, kept].numpy().astype(np.float32)
        write_safetensors(os.path.join(OUT, f"{height}x{width}.safetensors"), tensors, {
            "made_by": "scripts/make-resolution-fixtures.py",
            "torch": torch.__version__,
            "image": "images/preprocess_oracle.safetensors decoded_astronaut",
            "crop": json.dumps({"top": top, "left": left, "height": height, "width": width}),
            "input": "ToTensor + Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)) in float32",
            "timm": "timm-dino-vits8-depth2, pos_embed resampled as resample_abs_pos_embed (float32, bicubic, "
                    "antialias=True)",
            "hf": "hf-vit-dino-format-small, position_embeddings resampled as ViTEmbeddings.interpolate_pos_encoding "
                  "(bicubic, align_corners=False, no antialias)",
            "reference": "float64 forward, last block; stored as float32; <model>.tokens are the kept token indices",
        })


if __name__ == "__main__":
    main()
