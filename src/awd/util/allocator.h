// How the process's allocator treats LibTorch's large blocks.
#pragma once

namespace awd::util {

/// Keeps freed memory in the process instead of returning it to the
/// operating system after every use: glibc's defaults hand blocks above
/// 128 KB (growing to 32 MB) back with munmap/trim, and each reuse then
/// page-faults every 4 KB page in again. Call it first thing in every
/// process that trains or analyses (the awd executable, the benchmarks, a
/// Python module loading awdlib); it changes no number, only where memory
/// comes from. Idempotent. The price: the resident size stays at its peak
/// until the process ends.
void tune_allocator();

}  // namespace awd::util
