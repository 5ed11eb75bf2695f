// Times the matrix-free top-k on the first layer of the paper's MNIST MLP
// (784-30-30-10, fc1: N = 23,520 weights, far beyond a dense eigh), with the
// truncated decomposition, its certificate, Hutchinson's trace and an SLQ density.
//   bench_topk DATA_DIR [k] [train_epochs] [threads]
#include <sys/resource.h>
#include <torch/nn/functional/loss.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/duality/dual_weights.h"
#include "awd/duality/hessian.h"
#include "awd/duality/hessian_vector.h"
#include "awd/duality/lanczos.h"
#include "awd/duality/partners.h"
#include "awd/duality/sequential_split.h"
#include "awd/duality/spectrum.h"
#include "awd/duality/truncated_decomposition.h"
#include "awd/models/classifier.h"
#include "awd/train/trainer.h"
#include "awd/util/allocator.h"
#include "awd/util/threads.h"

using namespace awd;

namespace {

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

/// The kept test/partner pairs of the layer in rank-one form (SPEC §2-4).
duality::RankOnePairs layer_pairs(duality::LayerSplit& split, const data::Samples& s, const torch::Tensor& train_x,
                                  const torch::Tensor& train_y, const torch::Tensor& train_act) {
  torch::NoGradGuard g;
  const auto test_x = s.test_inputs.to(torch::kDouble);
  const auto partner = duality::partner_set(test_x, s.test_labels, train_x, train_y);
  const auto xp = train_act.index_select(0, partner), xt = split.activity(test_x);
  const auto keep = (xp.norm(2, 1) > 0).nonzero().flatten();
  const auto xpk = xp.index_select(0, keep), xtk = xt.index_select(0, keep), yk = s.test_labels.index_select(0, keep);
  const auto opts = torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone);
  const auto gaps = torch::nn::functional::cross_entropy(split.logits_from_activity(xtk), yk, opts) -
                    torch::nn::functional::cross_entropy(split.logits_from_activity(xpk), yk, opts);
  return duality::rank_one_pairs(split.weight(), xpk, xtk, gaps);
}

/// Eq. 10 resolved and remaining, the variances, and the certificate of the ranking.
void print_truncated(const duality::TruncatedDecomposition& t, int64_t k) {
  const auto& c = t.certificate;
  std::printf("  dL_p (Eq. 10) = %.6g: resolved %.6g + remainder %.6g; sum dL_i resolved %.6g, remainder %.6g\n",
              t.total.eq10(), t.resolved.eq10_sum, t.remainder.eq10(), t.resolved.sum_dL, t.remainder.dL);
  std::printf("  sum sigma_g^2 resolved %.4g of %.4g; sum sigma_w^2 resolved %.4g of %.4g\n",
              t.total.var_g - t.remainder.var_g, t.total.var_g, t.total.var_w - t.remainder.var_w, t.total.var_w);
  std::printf("  resolved sigma_g: rank 1 %.4g (lambda %.4g), rank %lld %.4g\n", t.resolved.directions.sigma_g[0].item<double>(),
              t.resolved.directions.lambda[0].item<double>(), static_cast<long long>(k), c.sigma_g_last);
  std::printf("  certificate: complement sigma_g max %.4g (bound %.4g) vs last resolved %.4g: %s, ranks 1..%lld final (%lld products)\n",
              c.sigma_g_max, c.sigma_g_bound, c.sigma_g_last, c.certified ? "certified" : "NOT certified",
              static_cast<long long>(c.certified_ranks), static_cast<long long>(c.products));
}

}  // namespace

int main(int argc, char** argv) {
  awd::util::tune_allocator();
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_topk DATA_DIR [k] [train_epochs] [threads]\n");
    return 2;
  }
  const int64_t k = argc > 2 ? std::atoll(argv[2]) : 100;
  const int64_t epochs = argc > 3 ? std::atoll(argv[3]) : 20;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 0;
  RunConfig cfg;  // the paper's MNIST setting: 784-30-30-10, 400 per class, 1000 test samples
  cfg.data.path = argv[1];
  const auto folder = data::load_folder(cfg.data.path);
  const auto samples = data::materialize(folder, data::draw_subset(folder, cfg.data));
  auto model = models::make_classifier(cfg.model, {1, 28, 28}, 10, 0);
  util::set_threads(1);
  cfg.train.max_epoch = epochs;
  const auto trained = train::train_sgd(*model, samples, cfg.train);
  util::set_threads(threads);
  std::printf("blas: %s\ntrained %lld epochs; peak RSS before the analysis %.0f MB\n",
              util::blas_info().config.c_str(), static_cast<long long>(trained.epochs), peak_rss_mb());

  Stopwatch clock;
  auto split = duality::sequential_split(*model, "fc1");
  const auto train_x = samples.train_inputs.index({samples.clean_mask}).to(torch::kDouble);
  const auto train_y = samples.train_labels.index({samples.clean_mask});
  torch::Tensor act;
  {
    torch::NoGradGuard g;
    act = split->activity(train_x);
  }
  const auto op = duality::gauss_newton_operator(duality::linearize_activity(*split, act));
  std::printf("fc1: N = %lld weights, S = %lld samples; linearize %.2f s\n", static_cast<long long>(op.size),
              static_cast<long long>(train_x.size(0)), clock.lap());
  const auto probe = torch::randn({op.size}, torch::kDouble);
  for (int i = 0; i < 10; ++i) op(probe);
  std::printf("one H v product: %.4f s\n", clock.lap() / 10);

  const auto top = duality::top_eigenpairs(op, k);
  const double t_top = clock.lap();
  std::printf("top-%lld: %.2f s, %lld products, %lld restarts; lambda_1 = %.6g, lambda_k = %.6g; peak RSS %.0f MB\n",
              static_cast<long long>(k), t_top, static_cast<long long>(top.products),
              static_cast<long long>(top.restarts), top.lambda[0].item<double>(), top.lambda[k - 1].item<double>(),
              peak_rss_mb());

  const auto pairs = layer_pairs(*split, samples, train_x, train_y, act);
  const auto t = duality::decompose_truncated(pairs, top.vectors, top.lambda);
  std::printf("truncated decomposition (K = %lld pairs): %.2f s\n", static_cast<long long>(pairs.left.size(0)), clock.lap());
  print_truncated(t, k);

  const auto tr = duality::hutchinson_trace(op, 30, 1);
  std::printf("Hutchinson trace (30 probes): %.6g +- %.2g, %.2f s; top-%lld sum %.6g\n", tr.mean, tr.standard_error,
              clock.lap(), static_cast<long long>(k), top.lambda.sum().item<double>());
  const auto rho = duality::spectral_density(op);
  std::printf("SLQ density (%lld probes x %lld steps): %.2f s, integral %.8f\n",
              static_cast<long long>(rho.nodes.size(0)), static_cast<long long>(rho.nodes.size(1)), clock.lap(),
              torch::trapezoid(rho.density, rho.grid).item<double>());
  std::printf("peak RSS %.0f MB\n", peak_rss_mb());
  return 0;
}
