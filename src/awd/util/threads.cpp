#include "awd/util/threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>

#include <cstdio>
#include <thread>

namespace awd::util {

BlasInfo blas_info() {
  BlasInfo info;
  using get_config_fn = char* (*)();
  if (auto fn = reinterpret_cast<get_config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    info.openblas = true;
    info.config = fn();
  } else {
    info.config = "reference or unknown BLAS";
  }
  return info;
}

void set_threads(int threads) {
  const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // LibTorch's pool would spin against OpenBLAS's: measured, 2+2 threads made
  // the analysis 1.8x slower than 1+2. The heavy work is BLAS/LAPACK anyway.
  at::set_num_threads(1);
  using set_fn = void (*)(int);
  if (auto fn = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

void warn_if_slow_blas() {
  if (!blas_info().openblas)
    std::fprintf(stderr,
                 "awd: warning: LibTorch is not running on OpenBLAS (install libopenblas0-pthread); "
                 "expect 10-15x slower linear algebra\n");
}

}  // namespace awd::util
