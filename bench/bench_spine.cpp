// Times the spine on the paper's MNIST setting: SGD epochs at B=25 and B=400,
// and the whole duality analysis stage by stage (warm, best of `repeats`).
//   bench_spine DATA_DIR [repeats] [analysis_threads]
#include <chrono>
#include <cstdio>
#include <map>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/sequential_split.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"
#include "awd/util/allocator.h"
#include "awd/util/threads.h"

using namespace awd;

int main(int argc, char** argv) {
  awd::util::tune_allocator();
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_spine DATA_DIR [repeats] [analysis_threads]\n");
    return 2;
  }
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 0;
  RunConfig cfg;
  cfg.data.path = argv[1];
  const auto folder = data::load_folder(cfg.data.path);
  const auto samples = data::materialize(folder, data::draw_subset(folder, cfg.data));
  std::printf("blas: %s\n", util::blas_info().config.c_str());

  util::set_threads(1);
  for (int64_t batch : {25, 400}) {
    auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
    auto tc = cfg.train;
    tc.batch_size = batch;
    tc.max_epoch = batch == 25 ? 20 : 100;
    tc.stop_loss = 0;  // run all epochs
    const auto r = train::train_sgd(*model, samples, tc);
    std::printf("train B=%-4lld %4lld epochs  %.4f s/epoch (incl. training-loss evaluation)\n",
                static_cast<long long>(batch), static_cast<long long>(r.epochs), r.seconds / double(r.epochs));
  }

  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  train::train_sgd(*model, samples, cfg.train);  // a real solution
  util::set_threads(threads);
  std::map<std::string, double> best;
  double best_total = 1e9;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = duality::analyze(*duality::sequential_split(*model, cfg.analysis.layer), samples, cfg.analysis);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best_total = std::min(best_total, total);
    for (const auto& [k, v] : r.seconds) best[k] = best.count(k) ? std::min(best[k], v) : v;
  }
  std::printf("analysis (threads %d), best of %d: %.3f s\n", threads, repeats, best_total);
  for (const auto& [k, v] : best) std::printf("  %-14s %.4f s\n", k.c_str(), v);
  return 0;
}
