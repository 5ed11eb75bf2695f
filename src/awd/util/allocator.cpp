#include "awd/util/allocator.h"

#include <malloc.h>

#include <climits>

namespace awd::util {

void tune_allocator() {
  // Measured (README "Speed"): without these a ResNet-18 epoch spent a
  // quarter of its time in the kernel's page-fault handler, and the MNIST
  // analysis's dual weights 10x longer. A threshold of INT_MAX bytes makes
  // every block come from the heap (glibc 2.36 accepts it; mallopt returns 0
  // and changes nothing where a glibc refuses a value).
  mallopt(M_MMAP_THRESHOLD, INT_MAX);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

}  // namespace awd::util
