// Times the exact (dense) analysis of a network's last layer at the sizes of
// the paper's Fig. 7 beyond the forward passes: ResNet-18's fc (512 features,
// N = 5120) and DenseNet-121's classifier (1024 features, N = 10240) on
// CIFAR-10. The features are a fixed random ReLU projection of the
// real images (only the layer's size and the pairs' count matter for the
// time); W separates the classes so the softmax is not uniform. The partners
// are searched over the real images.
//   bench_last_layer CIFAR_DIR FEATURES [THREADS=2]
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/duality/analysis.h"
#include "awd/duality/given_activities.h"
#include "awd/duality/partners.h"
#include "awd/util/allocator.h"
#include "awd/util/threads.h"

using namespace awd;

namespace {

double peak_rss_gb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / (1024.0 * 1024.0);  // Linux: kilobytes
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  awd::util::tune_allocator();
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_last_layer CIFAR_DIR FEATURES [THREADS]\n");
    return 2;
  }
  const int64_t n = std::atoll(argv[2]);
  util::set_threads(argc > 3 ? std::atoi(argv[3]) : 2);
  // Every training and test image of the folder (CIFAR-10's data_batch_1: 10,000 and 10,000).
  const auto folder = data::load_folder(argv[1]);
  data::Samples samples;
  samples.train_inputs = folder.train.images;
  samples.train_labels = folder.train.labels;
  samples.clean_mask = torch::ones({folder.train.size()}, torch::kBool);
  samples.test_inputs = folder.test.images;
  samples.test_labels = folder.test.labels;
  samples.num_classes = folder.train.num_classes;
  const int64_t S = samples.train_labels.size(0), K = samples.test_labels.size(0);

  torch::manual_seed(0);
  const auto projection = torch::randn({3 * 32 * 32, n}, torch::kFloat) / std::sqrt(3.0 * 32 * 32);
  auto features = [&](const torch::Tensor& u) { return torch::relu(u.reshape({u.size(0), -1}).matmul(projection)); };
  const auto table = torch::cat({features(samples.train_inputs), features(samples.test_inputs)}).to(torch::kDouble);
  // W: the centred class means of the training features, scaled to logits of a few units.
  auto W = torch::zeros({10, n}, torch::kDouble);
  for (int64_t c = 0; c < 10; ++c) W[c] = table.slice(0, 0, S).index({samples.train_labels.eq(c)}).mean(0);
  W -= W.mean(0);
  W *= 4.0 / W.matmul(table.slice(0, 0, S).t()).std().item<double>();

  const auto t0 = std::chrono::steady_clock::now();
  const auto partners = duality::partner_set(samples.test_inputs, samples.test_labels, samples.train_inputs,
                                             samples.train_labels);
  const double partner_s = seconds_since(t0);
  data::Samples ids = samples;
  ids.train_inputs = duality::sample_ids(0, S);
  ids.test_inputs = duality::sample_ids(S, K);
  const auto split = duality::given_activities("fc", table, W, torch::zeros({10}, torch::kDouble));
  AnalysisConfig cfg;
  cfg.layer = "fc";
  const auto t1 = std::chrono::steady_clock::now();
  const auto r = duality::analyze(*split, ids, cfg, partners);
  const double analysis_s = seconds_since(t1);

  std::printf("last layer %lld x %lld (N = %lld), %lld training / %lld test samples, %d threads\n", (long long)r.rows,
              (long long)r.cols, (long long)(r.rows * r.cols), (long long)S, (long long)K, argc > 3 ? std::atoi(argv[3]) : 2);
  std::printf("  %-14s %7.2f s\n", "partners", partner_s);
  for (const auto& [stage, s] : r.seconds) std::printf("  %-14s %7.2f s\n", stage.c_str(), s);
  std::printf("  %-14s %7.2f s   (beyond the forward passes: %.2f s)\n", "analysis", analysis_s, partner_s + analysis_s);
  std::printf("  peak memory    %7.2f GB\n", peak_rss_gb());
  std::printf("  Eq. 10 residual %.2e, duality residual %.2e, dL_p %.5f, n_s %lld\n", r.eq10_residual,
              r.duality_max_residual, r.pair_gap, (long long)r.decomposition.n_sharp);
  return 0;
}
