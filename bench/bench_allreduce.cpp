// What one exchange of the learners' weights costs over c10d/Gloo on loopback:
// Exchange::mean (flatten, one allreduce SUM, divide) and mix("ring") (send
// to and receive from both ring neighbours) of the MNIST MLP's and the
// CIFAR-10 CNN's parameters, for 2 and 4 processes, median over many reps.
//   bench_allreduce [REPS]
// Without RANK in the environment it launches itself as 2, then 4 ranks
// (awd::distributed::launch) and prints the table; as a rank, rank 0 appends
// its rows to the file in AWD_BENCH_OUT.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "awd/config.h"
#include "awd/distributed/gloo_exchange.h"
#include "awd/distributed/launcher.h"
#include "awd/models/classifier.h"

namespace d = awd::distributed;

namespace {

std::vector<torch::Tensor> parameters_of(const std::string& arch) {
  awd::ModelConfig m;
  m.arch = awd::parse_option<awd::Arch>(arch);
  const std::vector<int64_t> input = arch == "cnn" ? std::vector<int64_t>{3, 32, 32} : std::vector<int64_t>{1, 28, 28};
  auto model = awd::models::make_classifier(m, input, 10, 0);
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  return out;
}

/// Median and 10th percentile of f's time in ms.
template <class F>
std::pair<double, double> median_ms(int reps, F f) {
  for (int i = 0; i < std::max(3, reps / 10); ++i) f();  // warm up
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() / 10]};
}

int as_rank(int reps) {
  const auto o = d::gloo_options_from_env(60);
  auto ex = d::gloo_exchange(o.world_size, o);
  std::ostringstream rows;
  for (const std::string arch : {"mlp", "cnn"}) {
    const d::LearnerTensors mine{parameters_of(arch)};
    int64_t floats = 0;
    for (const auto& t : mine[0]) floats += t.numel();
    const auto mean = median_ms(reps, [&] { ex->mean(mine); });
    const auto ring = median_ms(reps, [&] { ex->mix(mine, awd::Mixing::kRing); });
    rows << arch << ' ' << o.world_size << ' ' << floats << ' ' << mean.first << ' ' << mean.second << ' '
         << ring.first << ' ' << ring.second << '\n';
  }
  if (o.rank == 0) std::ofstream(std::getenv("AWD_BENCH_OUT"), std::ios::app) << rows.str();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 500;
  try {
    if (std::getenv("RANK")) return as_rank(reps);
    const auto out = std::filesystem::temp_directory_path() / ("bench_allreduce." + std::to_string(getpid()));
    setenv("AWD_BENCH_OUT", out.c_str(), 1);
    const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
    for (int n : {2, 4}) {
      d::LaunchOptions l;
      l.processes = n;
      l.command = {self, std::to_string(reps)};
      if (d::launch(l) != 0) return 1;
    }
    // rows: arch n floats mean_median mean_p10 ring_median ring_p10
    std::map<std::string, std::map<int, std::vector<double>>> ms;
    std::map<std::string, int64_t> floats;
    std::ifstream in(out);
    std::string arch;
    int n;
    int64_t f;
    double mean, mean10, ring, ring10;
    while (in >> arch >> n >> f >> mean >> mean10 >> ring >> ring10) {
      ms[arch][n] = {mean, mean10, ring, ring10};
      floats[arch] = f;
    }
    std::filesystem::remove(out);
    std::printf("Gloo on loopback, one process per learner: ms per call, median of %d reps (10th percentile)\n",
                reps);
    std::printf("%-22s %8s %16s %16s %16s %16s\n", "weights", "floats", "mean n=2", "mean n=4", "ring n=2",
                "ring n=4");
    for (const std::string a : {"mlp", "cnn"}) {
      std::printf("%-22s %8lld", a == "mlp" ? "MNIST MLP 784-30-30-10" : "CIFAR-10 CNN",
                  static_cast<long long>(floats[a]));
      for (int col : {0, 2})
        for (int n : {2, 4}) std::printf(" %7.3f (%6.3f)", ms[a][n].at(col), ms[a][n].at(col + 1));
      std::printf("\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_allreduce: %s\n", e.what());
    return 2;
  }
}
