#!/usr/bin/env bash
# Builds the CPU emulator of the CUDA kernels as a fake libcuda (OUTPUT_DIR/libcudaemu.so) from the kernel sources
# and the PTX the Maven build made (for the list of entry points and their parameter types, and of the module
# constants with their sizes).
# Usage: build-emulator.sh PTX_DIR OUTPUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sources="$here/../../main/cuda"
ptx_dir="$1"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
work="$out/emulator-src"
rm -rf "$work" && mkdir -p "$work"
# The one CUDA construct the header cannot map: dynamic shared memory becomes the emulator's per-block buffer.
for f in "$sources"/*.cu "$sources"/*.cuh; do
  sed -E 's/extern __shared__ __align__\(16\) unsigned char ([a-z_]+)\[\];/unsigned char* \1 = emu::dynamic_shared();/' "$f" > "$work/$(basename "$f")"
done
python3 - "$ptx_dir" > "$work/registry.cpp" <<'PY'
import pathlib, re, sys
types = {"u64": ("uint64_t", "p"), "s64": ("int64_t", "l"), "b64": ("uint64_t", "p"),
         "u32": ("int32_t", "i"), "s32": ("int32_t", "i"), "b32": ("int32_t", "i"), "f32": ("float", "f")}
entries, constants = [], []
for ptx in sorted(pathlib.Path(sys.argv[1]).glob("*.ptx")):
    text = ptx.read_text()
    for name, params in re.findall(r"\.entry\s+(\w+)\s*\(([^)]*)\)", text, re.S):
        entries.append((name, [types[t] for t in re.findall(r"\.param\s+\.(\w+)", params)]))
    constant = r"^(?:\.visible\s+)?\.const\s+\.align\s+\d+\s+\.[bsuf](\d+)\s+(\w+)(?:\[(\d+)\])?"
    for bits, name, count in re.findall(constant, text, re.M):
        constants.append((name, int(bits) // 8 * int(count or 1)))
print('#include <cstddef>\n#include <cstdint>\n#include <utility>\n')
print('struct KernelEntry { const char* name; void (*invoke)(void**); const char* parameters; int max_dynamic_shared; };\n')
print('struct ConstantEntry { const char* name; void* address; size_t bytes; };\n')
print('template <class... A, std::size_t... I>\nstatic void call(void (*f)(A...), void** p, std::index_sequence<I...>) { f(*static_cast<A*>(p[I])...); }\n')
# Declared with ABI-equivalent parameter types (pointers as 64-bit integers): the definitions live in other units.
for name, params in entries:
    print(f'extern "C" void {name}({", ".join(t for t, _ in params)});')
print('\nKernelEntry kernel_registry[] = {')
for name, params in entries:
    print(f'    {{"{name}", [](void** p) {{ call(&{name}, p, std::make_index_sequence<{len(params)}>{{}}); }}, "{"".join(k for _, k in params)}", 0}},')
print('};\nextern const int kernel_registry_size = sizeof(kernel_registry) / sizeof(kernel_registry[0]);\n')
# __constant__ variables (plain globals in the emulator), declared only for their addresses.
for name, _ in constants:
    print(f'extern "C" unsigned char {name}[];')
print('\nConstantEntry constant_registry[] = {')
for name, size in constants:
    print(f'    {{"{name}", {name}, {size}}},')
print('};\nextern const int constant_registry_size = sizeof(constant_registry) / sizeof(constant_registry[0]);')
PY
flags=(-std=c++17 -O2 -fPIC -Wno-unknown-pragmas -I"$here" -I"$work")
objects=() jobs=()
for f in "$work"/*.cu; do
  o="$work/$(basename "$f" .cu).o"
  g++ "${flags[@]}" -include cuda_emulation.h -x c++ -c "$f" -o "$o" & jobs+=($!)
  objects+=("$o")
done
for f in "$here/emulation.cpp" "$here/fake_driver.cpp" "$work/registry.cpp"; do
  o="$work/$(basename "$f" .cpp).o"
  g++ "${flags[@]}" -c "$f" -o "$o" & jobs+=($!)
  objects+=("$o")
done
for j in "${jobs[@]}"; do wait "$j"; done
g++ -shared -o "$out/libcudaemu.so" "${objects[@]}"
echo "$out/libcudaemu.so"
