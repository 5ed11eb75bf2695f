// Times the dense symmetric eigensolvers a large layer could use, float64, all
// eigenpairs: LAPACK's divide and conquer (dsyevd, what torch::linalg::eigh
// calls), LAPACK's MRRR (dsyevr, looked up in the process's LAPACK) and
// Eigen's SelfAdjointEigenSolver. The three run in turn (A B C A B C ...) on
// the same matrix and the medians are printed, with each one's largest
// residual max|A V - V diag(lambda)| / ||A||.
//   bench_eigh [N ...] [--repeats R] [--threads T] [--kind wishart|lowrank] [--no-eigen]
// lowrank: X^T X / r with X [N/4, N] (three quarters exact zeros, as a trained
// layer's Hessian has many near-null directions); wishart: X [2N, N].
#include <dlfcn.h>

#include <Eigen/Dense>
#include <torch/linalg.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "awd/util/allocator.h"
#include "awd/util/threads.h"

namespace {

using Solver = std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor&)>;

using dsyevr_fn = void (*)(const char*, const char*, const char*, const int*, double*, const int*, const double*,
                           const double*, const int*, const int*, const double*, int*, double*, double*, const int*,
                           int*, double*, const int*, int*, const int*, int*);

std::pair<torch::Tensor, torch::Tensor> syevr(const torch::Tensor& a, dsyevr_fn fn) {
  const int n = int(a.size(0));
  auto work_a = a.clone();  // column-major == row-major for a symmetric matrix
  auto w = torch::empty({n}, torch::kDouble);
  auto z = torch::empty({n, n}, torch::kDouble);  // column-major: z.t() holds the vectors as columns
  std::vector<int> isuppz(2 * size_t(n));
  const double vl = 0, vu = 0, abstol = 0;
  const int il = 0, iu = 0;
  int m = 0, info = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  fn("V", "A", "L", &n, work_a.data_ptr<double>(), &n, &vl, &vu, &il, &iu, &abstol, &m, w.data_ptr<double>(),
     z.data_ptr<double>(), &n, isuppz.data(), &wq, &lwork, &iwq, &liwork, &info);
  lwork = int(wq);
  liwork = iwq;
  std::vector<double> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  fn("V", "A", "L", &n, work_a.data_ptr<double>(), &n, &vl, &vu, &il, &iu, &abstol, &m, w.data_ptr<double>(),
     z.data_ptr<double>(), &n, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
  if (info != 0) std::fprintf(stderr, "dsyevr info %d\n", info);
  return {w, z.t()};
}

std::pair<torch::Tensor, torch::Tensor> eigen_solver(const torch::Tensor& a) {
  const int64_t n = a.size(0);
  Eigen::Map<const Eigen::MatrixXd> m(a.data_ptr<double>(), n, n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);
  auto w = torch::empty({n}, torch::kDouble);
  auto z = torch::empty({n, n}, torch::kDouble);
  Eigen::Map<Eigen::VectorXd>(w.data_ptr<double>(), n) = es.eigenvalues();
  Eigen::Map<Eigen::MatrixXd>(z.data_ptr<double>(), n, n) = es.eigenvectors();
  return {w, z.t()};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  awd::util::tune_allocator();
  std::vector<int64_t> sizes;
  int repeats = 3, threads = 0;
  bool with_eigen = true;
  std::string kind = "lowrank";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--kind" && i + 1 < argc) kind = argv[++i];
    else if (a == "--no-eigen") with_eigen = false;
    else sizes.push_back(std::atoll(a.c_str()));
  }
  if (sizes.empty()) sizes = {2000, 5000, 9216};
  awd::util::set_threads(threads);
  auto fn = reinterpret_cast<dsyevr_fn>(dlsym(RTLD_DEFAULT, "dsyevr_"));
  if (!fn) {
    std::fprintf(stderr, "bench_eigh: no dsyevr_ in this process's LAPACK\n");
    return 1;
  }
  std::printf("blas: %s, threads %d, matrices %s\n", awd::util::blas_info().config.c_str(), threads, kind.c_str());
  std::vector<std::pair<std::string, Solver>> solvers = {
      {"syevd (torch::linalg::eigh)", [](const torch::Tensor& a) {
         auto [l, v] = torch::linalg::eigh(a, "L");
         return std::make_pair(l, v);
       }},
      {"syevr (MRRR)", [fn](const torch::Tensor& a) { return syevr(a, fn); }},
  };
  if (with_eigen) solvers.push_back({"Eigen SelfAdjointEigenSolver", eigen_solver});
  torch::manual_seed(0);
  for (int64_t n : sizes) {
    const int64_t rows = kind == "wishart" ? 2 * n : std::max<int64_t>(1, n / 4);
    const auto x = torch::randn({rows, n}, torch::kDouble);
    auto a = x.t().matmul(x).div_(double(rows));
    a = (a + a.t()).mul_(0.5).contiguous();
    const double norm = a.norm().item<double>();
    std::vector<std::vector<double>> times(solvers.size());
    std::vector<double> residual(solvers.size());
    for (int r = 0; r < repeats; ++r) {
      for (size_t s = 0; s < solvers.size(); ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        auto [l, v] = solvers[s].second(a);
        times[s].push_back(seconds_since(t0));
        if (r == 0) residual[s] = (a.matmul(v) - v * l.unsqueeze(0)).abs().max().item<double>() / norm;
      }
    }
    for (size_t s = 0; s < solvers.size(); ++s)
      std::printf("N = %5lld  %-30s median %8.3f s (of %d)  residual %.1e\n", static_cast<long long>(n),
                  solvers[s].first.c_str(), median(times[s]), repeats, residual[s]);
    std::fflush(stdout);
  }
  return 0;
}
