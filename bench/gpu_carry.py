"""Packs and unpacks the .tar.xz archives of .gpu-carry (scripts/prepare-gpu-carry.sh, bench/gpu-check.sh).
The device call carries 64 MiB at most and the oracle fixtures are random weights, which xz barely compresses:
each .safetensors file travels as its four byte planes (every 4th byte from offsets 0, 1, 2, 3, under the name
FILE.planes4), which puts the float exponents together, and xz packs the whole 7 % smaller.
  gpu_carry.py pack-fixtures ROOT OUT.tar.xz FOLDER...   (checks that the archive unpacks to the same bytes)
  gpu_carry.py unpack ARCHIVE.tar.xz INTO"""
import io
import os
import sys
import tarfile

PLANES = 4
SUFFIX = f".planes{PLANES}"


def to_planes(data):
    return b"".join(data[i::PLANES] for i in range(PLANES))


def from_planes(data):
    out, at = bytearray(len(data)), 0
    for i in range(PLANES):
        n = len(range(i, len(data), PLANES))
        out[i::PLANES] = data[at:at + n]
        at += n
    return bytes(out)


def pack_fixtures(root, archive, folders):
    originals = {}
    with tarfile.open(archive, "w:xz", preset=6) as tar:
        for folder in folders:
            for name in sorted(os.listdir(os.path.join(root, folder))):
                path = os.path.join(folder, name)
                with open(os.path.join(root, path), "rb") as f:
                    data = f.read()
                originals[path] = data
                if name.endswith(".safetensors"):
                    data, path = to_planes(data), path + SUFFIX
                info = tarfile.TarInfo(path)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    unpacked = {}
    for path, data in members(archive):
        unpacked[path] = data
    if unpacked != originals:
        sys.exit(f"gpu_carry: {archive} does not unpack to the files of {root}")


def members(archive):
    """(path, bytes) of every file in the archive, planes put back in order."""
    with tarfile.open(archive) as tar:
        for info in tar:
            if info.isfile():
                data = tar.extractfile(info).read()
                if info.name.endswith(SUFFIX):
                    yield info.name[:-len(SUFFIX)], from_planes(data)
                else:
                    yield info.name, data


def unpack(archive, into):
    with tarfile.open(archive) as tar:
        if not any(info.name.endswith(SUFFIX) for info in tar):
            tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
            return
    for path, data in members(archive):
        target = os.path.join(into, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "pack-fixtures":
        pack_fixtures(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "unpack":
        unpack(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
