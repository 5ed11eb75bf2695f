// Thread and BLAS set-up: LibTorch's intra-op pool and OpenBLAS's own
// threads compete for the same cores, so both are set deliberately.
#pragma once
#include <string>

namespace awd::util {

struct BlasInfo {
  bool openblas = false;  ///< OpenBLAS is the BLAS LibTorch calls
  std::string config;     ///< openblas_get_config(), or what was found instead
};

/// Which BLAS the process runs on (looked up at run time: Debian switches
/// libblas.so.3 between implementations with update-alternatives).
BlasInfo blas_info();

/// Gives OpenBLAS `threads` threads (0 = all cores) and LibTorch's intra-op
/// pool one: the expensive work (GEMM, eigh) is BLAS/LAPACK.
void set_threads(int threads);

/// Prints a one-line warning to stderr when the BLAS is not OpenBLAS.
void warn_if_slow_blas();

}  // namespace awd::util
