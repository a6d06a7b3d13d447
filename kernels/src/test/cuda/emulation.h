// Entry point of the kernel emulator for the fake driver.
#pragma once

#include "cuda_emulation.h"

namespace emu {
// Runs body(params) as every thread of every block of the grid, blocks one after another.
void run(const char* kernel, void (*body)(void**), void** params, dim3 grid, dim3 block, unsigned shared_bytes);
}
