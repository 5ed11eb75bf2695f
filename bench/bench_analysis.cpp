// Times the duality analysis of a saved run in this process, as `awd analyze`
// runs it (the run's model and samples, its layer, the default analysis
// options), repeated: the median of the whole analysis and of every stage.
//   bench_analysis RUN_DIR [repeats] [threads]
// Then times, alone and on random matrices of the same shapes, the three
// float64 operations no dense analysis can skip (the Hessian's triangle GEMM,
// the eigh of N rows, the projection of the K dual weights on N directions):
// their sum is the floor of this machine for the dense path.
// Prints "analysis_median_seconds S" last, for scripts (bench/vs_paper.sh).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/linalg.h>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/data/transforms.h"
#include "awd/duality/analysis.h"
#include "awd/duality/sequential_split.h"
#include "awd/store/run_dir.h"
#include "awd/util/allocator.h"
#include "awd/util/threads.h"

using namespace awd;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  util::tune_allocator();
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_analysis RUN_DIR [repeats] [threads]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 11;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 0;
  const auto record = store::read_run_record(dir);
  const auto& cfg = record.config;
  const auto folder = data::load_folder(cfg.data.path);
  const auto run = store::load_run(record, folder);
  const auto samples = data::normalized(data::materialize(folder, record.subset), cfg.data.mean, cfg.data.std);
  util::set_threads(threads);
  auto analysis = cfg.analysis;
  analysis.progress = {};  // nothing printed while timing
  std::vector<double> totals;
  std::map<std::string, std::vector<double>> stages;
  double pair_gap = 0, eq10 = 0, duality = 0;
  int64_t m = 0, n = 0, K = 0;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto split = duality::sequential_split(*run.model, analysis.layer);
    const auto r = duality::analyze(*split, samples, analysis);
    totals.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (const auto& [k, v] : r.seconds) stages[k].push_back(v);
    pair_gap = r.pair_gap;
    eq10 = r.eq10_residual;
    duality = r.duality_max_residual;
    m = r.rows;
    n = r.cols;
    K = r.pairs_kept;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("layer %s, dL_p %.10f, Eq. 10 residual %.2e, duality residual %.2e, peak RSS %.0f MB\n",
              analysis.layer.c_str(), pair_gap, eq10, duality, double(u.ru_maxrss) / 1024.0);
  std::printf("analysis (threads %d), median of %d: %.4f s (min %.4f)\n", threads, repeats, median(totals),
              *std::min_element(totals.begin(), totals.end()));
  for (const auto& [k, v] : stages) std::printf("  %-14s %.4f s\n", k.c_str(), median(v));
  const int64_t S = samples.clean_mask.sum().item<int64_t>(), N = m * n;
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  const auto hz = torch::randn({m * (m + 1) / 2, S}, opts), xx = torch::randn({S, n * (n + 1) / 2}, opts);
  const auto x = torch::randn({N, N}, opts);
  const auto spd = x.matmul(x.t()), dw = torch::randn({K, N}, opts);
  const std::vector<std::pair<std::string, std::function<void()>>> floor_ops{
      {"hessian GEMM", [&] { (void)hz.matmul(xx); }},
      {"eigh", [&] { (void)torch::linalg::eigh(spd, "L"); }},
      {"projection GEMM", [&] { (void)dw.matmul(x); }}};
  double floor_sum = 0;
  std::printf("floor of the dense path (the three float64 operations alone, medians of %d):\n", repeats);
  for (const auto& [name, op] : floor_ops) {
    std::vector<double> t;
    for (int i = 0; i < repeats; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      op();
      t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    floor_sum += median(t);
    std::printf("  %-16s %.4f s\n", name.c_str(), median(t));
  }
  std::printf("floor_seconds %.6f\n", floor_sum);
  std::printf("analysis_median_seconds %.6f\n", median(totals));
  return 0;
}
