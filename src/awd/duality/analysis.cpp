#include "awd/duality/analysis.h"

#include <chrono>
#include <stdexcept>

#include "awd/duality/coverage.h"
#include "awd/duality/dual_weights.h"
#include "awd/duality/flatness.h"
#include "awd/duality/hessian.h"
#include "awd/duality/partners.h"

namespace awd::duality {
namespace {

class StageClock {
 public:
  explicit StageClock(std::map<std::string, double>& out) : out_(out), last_(clock::now()) {}
  void lap(const std::string& stage) {
    const auto now = clock::now();
    out_[stage] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  using clock = std::chrono::steady_clock;
  std::map<std::string, double>& out_;
  clock::time_point last_;
};

torch::Tensor sample_losses(const torch::Tensor& logits, const torch::Tensor& labels) {
  return torch::nn::functional::cross_entropy(logits, labels,
                                              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
}

double error_rate(const torch::Tensor& logits, const torch::Tensor& labels) {
  return logits.argmax(1).ne(labels).to(torch::kDouble).mean().item<double>();
}

}  // namespace

AnalysisResult analyze(const models::Classifier& model_in, const data::Samples& samples, const AnalysisConfig& cfg) {
  AnalysisResult res;
  StageClock clock(res.seconds);
  auto model = model_in.copy();
  model->to(torch::kDouble);
  model->eval();
  auto fc = model->dense_layer(cfg.layer);
  const auto W = fc->weight.detach();
  res.layer = cfg.layer;
  res.rows = W.size(0);
  res.cols = W.size(1);
  const int64_t N = res.rows * res.cols;
  constexpr int64_t kMaxDense = 8192;
  if (N > kMaxDense)
    throw std::invalid_argument("layer '" + cfg.layer + "' has " + std::to_string(N) +
                                " weights; the dense Hessian eigendecomposition is limited to " +
                                std::to_string(kMaxDense));

  const auto train_x = samples.train_inputs.index({samples.clean_mask}).to(torch::kDouble);
  const auto train_y = samples.train_labels.index({samples.clean_mask});
  const auto test_x = samples.test_inputs.to(torch::kDouble);
  const auto test_y = samples.test_labels;
  const int64_t K = cfg.max_test > 0 ? std::min(cfg.max_test, test_x.size(0)) : test_x.size(0);

  // The activities entering the layer, computed once: below the layer nothing
  // changes, and for a CNN those layers cost the most.
  torch::Tensor act_train, act_test, test_losses, train_logits, test_logits;
  {
    torch::NoGradGuard no_grad;
    act_train = model->activity(train_x, cfg.layer).reshape({train_x.size(0), -1});
    act_test = model->activity(test_x, cfg.layer).reshape({test_x.size(0), -1});
    train_logits = model->logits_from_preactivation(fc->forward(act_train), cfg.layer);
    test_logits = model->logits_from_preactivation(fc->forward(act_test), cfg.layer);
    test_losses = sample_losses(test_logits, test_y);
    res.loss_train = sample_losses(train_logits, train_y).mean().item<double>();
    res.loss_test = test_losses.mean().item<double>();
    res.gap = res.loss_test - res.loss_train;
    res.train_error = error_rate(train_logits, train_y);
    res.test_error = error_rate(test_logits, test_y);
    res.weight_norm = W.norm().item<double>();
  }
  clock.lap("losses");

  // SPEC §2: partners.
  const auto kx = test_x.slice(0, 0, K), ky = test_y.slice(0, 0, K);
  const auto partner = partner_set(kx, ky, train_x, train_y);
  clock.lap("partners");

  // SPEC §3-4: activities, dual weights, pair gaps, effective gradients.
  torch::NoGradGuard no_grad;
  const auto x_test = act_test.slice(0, 0, K);
  const auto x_part = act_train.index_select(0, partner);
  const auto norm_x = x_part.norm(2, 1);
  const auto kept = norm_x > 0;
  const auto keep_idx = kept.nonzero().flatten();
  res.pairs_kept = keep_idx.numel();
  res.pairs_skipped = K - res.pairs_kept;
  if (res.pairs_kept == 0) throw std::runtime_error("every partner activity is zero: no pair has a dual weight");
  const auto xp = x_part.index_select(0, keep_idx), xt = x_test.index_select(0, keep_idx);
  const auto yk = ky.index_select(0, keep_idx);
  const auto dW = dual_weights(W, xp, xt);  // [k, m, n]
  const auto z_part = fc->forward(xp);
  const auto partner_losses = sample_losses(model->logits_from_preactivation(z_part, cfg.layer), yk);
  const auto test_losses_k = test_losses.slice(0, 0, K).index_select(0, keep_idx);
  // Eq. 1 checked directly: the partner's loss at W*_k = W + dW_k.
  const auto z_star = z_part + dW.bmm(xp.unsqueeze(2)).squeeze(2);
  const auto duality_residual =
      (sample_losses(model->logits_from_preactivation(z_star, cfg.layer), yk) - test_losses_k).abs();
  torch::Tensor pair_gap, delta;
  if (cfg.delta_scale == 1.0) {
    pair_gap = test_losses_k - partner_losses;  // l_k (Eq. 7)
    delta = dW;
  } else {  // l_k(gamma) along gamma dW_k (SPEC §4, Fig. S5)
    delta = dW * cfg.delta_scale;
    const auto z_gamma = z_part + delta.bmm(xp.unsqueeze(2)).squeeze(2);
    pair_gap = sample_losses(model->logits_from_preactivation(z_gamma, cfg.layer), yk) - partner_losses;
  }
  const auto g_scale = effective_gradient_scale(pair_gap, delta);  // Eq. 8: g_k = g_scale_k delta_k
  res.loss_partners = partner_losses.mean().item<double>();
  res.test_loss_pairs = test_losses_k.mean().item<double>();
  res.pair_gap = pair_gap.mean().item<double>();
  res.duality_max_residual = duality_residual.max().item<double>();
  clock.lap("dual_weights");

  // SPEC §5: the basis.
  torch::Tensor basis, lambda;
  {
    torch::AutoGradMode grad_on(true);
    const auto lin = linearize_activity(*model, cfg.layer, act_train);
    const auto matrix = cfg.basis == "fisher" ? empirical_fisher(lin, train_y) : layer_hessian(lin);
    clock.lap("hessian");
    std::tie(lambda, basis) = torch::linalg_eigh(matrix);
    clock.lap("eigh");
  }
  res.decomposition = decompose_scaled(delta.reshape({res.pairs_kept, N}), g_scale, basis, lambda, cfg.n_sharp);
  res.eq10_residual = std::abs(res.decomposition.eq10_sum - res.pair_gap);
  clock.lap("decomposition");

  // Paper Fig. S6: how far the training loss stays low along the sharpest directions.
  if (cfg.flatness_top > 0) {
    const auto& dirs = res.decomposition.directions;
    res.flatness = flatness(*model, cfg.layer, train_x, train_y, basis, dirs.basis_index, dirs.lambda, dirs.sigma_g,
                            cfg.flatness_top);
    clock.lap("flatness");
  }
  // Paper Fig. S1: kept pairs are in the seeded shuffled test order, so a prefix is a random subset.
  res.coverage = pair_gap_coverage(pair_gap, test_losses_k, res.loss_train);
  clock.lap("coverage");

  auto& p = res.pairs;
  p.test_index = torch::arange(K, torch::kInt64);
  p.partner_index = partner;
  p.kept = kept;
  auto scatter = [&](const torch::Tensor& v) { return torch::zeros({K}, v.options()).index_copy_(0, keep_idx, v); };
  p.pair_gap = scatter(pair_gap);
  p.norm_x = norm_x;
  p.norm_dx = (x_test - x_part).norm(2, 1);
  p.norm_dw = scatter(delta.reshape({res.pairs_kept, -1}).norm(2, 1));
  p.duality_residual = scatter(duality_residual);
  return res;
}

}  // namespace awd::duality
