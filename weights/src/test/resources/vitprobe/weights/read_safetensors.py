"""Reads a safetensors file with nothing but struct, json and numpy, following the format spec strictly,
and prints {"metadata": {...}, "tensors": {name: {"dtype", "shape", "values"}}} as JSON on stdout.
Any deviation from the spec is an AssertionError (exit status 1)."""
import json
import struct
import sys

import numpy as np

NUMPY_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
                "I8": "i1", "U8": "u1", "BOOL": "?", "BF16": "<u2"}

with open(sys.argv[1], "rb") as f:
    buf = f.read()
assert len(buf) >= 8, "file shorter than the header length field"
(n,) = struct.unpack("<Q", buf[:8])
assert n <= 100_000_000 and 8 + n <= len(buf), "bad header length %d" % n
assert n % 8 == 0, "header not padded to 8 bytes"
text = buf[8:8 + n].decode("utf-8")
assert text.startswith("{") and text.rstrip(" ").endswith("}"), "header must be a JSON object padded with spaces"
header = json.loads(text)
metadata = header.pop("__metadata__", {})
assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()), "metadata must map str to str"

data = buf[8 + n:]
out = {}
end_of_previous = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    assert set(info) == {"dtype", "shape", "data_offsets"}, name
    begin, end = info["data_offsets"]
    assert begin == end_of_previous and begin <= end <= len(data), "offsets of %s" % name
    end_of_previous = end
    dtype = np.dtype(NUMPY_DTYPES[info["dtype"]])
    count = 1
    for s in info["shape"]:
        assert isinstance(s, int) and s >= 0, name
        count *= s
    assert end - begin == count * dtype.itemsize, "byte length of %s" % name
    assert begin % dtype.itemsize == 0, "%s is not aligned to its element size" % name
    values = np.frombuffer(data, dtype=dtype, count=count, offset=begin)
    if info["dtype"] == "BF16":
        values = (values.astype(np.uint32) << 16).view(np.float32)
    out[name] = {"dtype": info["dtype"], "shape": info["shape"], "values": [v.item() for v in values]}
assert end_of_previous == len(data), "bytes after the last tensor"
print(json.dumps({"metadata": metadata, "tensors": out}))
