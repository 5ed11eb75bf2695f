#include "awd/train/learners.h"

#include <torch/nn/functional/loss.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/duality/hessian.h"
#include "awd/duality/last_layer.h"
#include "awd/duality/sequential_split.h"
#include "awd/train/sgd_step.h"

namespace awd::train {
namespace {

using distributed::LearnerTensors;

std::vector<torch::Tensor> detached(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach());
  return out;
}

void assign(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& values) {
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < params.size(); ++k) params[k].copy_(values[k]);
}

/// grad of the objective at the model's weights over `inputs` (its
/// cross-entropy stored in `cross_entropy` when given).
std::vector<torch::Tensor> objective_gradient(models::Classifier& model, const torch::Tensor& inputs,
                                              const torch::Tensor& labels, const TrainConfig& cfg, bool decay,
                                              double* cross_entropy = nullptr) {
  auto loss = objective(model, inputs, labels, cfg, decay, cross_entropy);
  model.zero_grad(/*set_to_none=*/true);
  loss.backward();
  std::vector<torch::Tensor> g;
  for (const auto& p : model.parameters()) g.push_back(p.grad());
  return g;
}

/// Each learner's dropout masks come from its own generator, so that a learner
/// draws the same masks whether it shares a process or has one to itself.
/// LibTorch's dropout reads the default generator: its state is swapped in and
/// out around every learner's forward pass when a process holds several.
class DropoutStreams {
 public:
  DropoutStreams(uint64_t seed, int64_t first, int64_t local) : swap_(local > 1) {
    for (int64_t i = 0; i < local; ++i) {
      // Learner 0 uses seed + 1, as plain SGD does.
      const uint64_t s = seed + 1 + 7919 * static_cast<uint64_t>(first + i);
      streams_.push_back(at::make_generator<at::CPUGeneratorImpl>(s));
      if (i == 0) torch::manual_seed(s);
    }
  }
  template <typename F>
  auto with(int64_t i, F&& f) {
    if (!swap_) return f();
    auto def = at::detail::getDefaultCPUGenerator();
    def.set_state(streams_[i].get_state());
    auto r = f();
    streams_[i].set_state(def.get_state());
    return r;
  }

 private:
  bool swap_;
  std::vector<at::Generator> streams_;
};

double squared_norm(const std::vector<torch::Tensor>& ts) {
  double s = 0;
  for (const auto& t : ts) s += t.to(torch::kDouble).pow(2).sum().item<double>();
  return s;
}

/// The noise record of SPEC §8 for the process that writes outputs: the
/// analysed layer's position among the parameters and the inputs in float64.
class NoiseRecorder {
 public:
  NoiseRecorder(models::Classifier& model, const models::DenseStage& layer, const torch::Tensor& inputs, int64_t top)
      : layer_(layer), inputs64_(inputs.to(torch::kDouble)), top_(top) {
    const auto w = model.dense_layer(layer)->weight;
    const auto params = model.parameters();
    for (size_t k = 0; k < params.size(); ++k)
      if (params[k].is_same(w)) layer_param_ = k;
  }

  /// eta(t) = mean_a grad L_mu_a(w_a) - grad L(S_train; w_bar), with w_a and
  /// w_bar those before this step's update (SPEC §8). The full gradient is
  /// taken in eval mode: the landscape, not a dropout draw.
  NoiseRecord record(const models::Classifier& model, const std::vector<torch::Tensor>& wbar,
                     const std::vector<torch::Tensor>& mean_grad, const torch::Tensor& inputs,
                     const torch::Tensor& labels, const TrainConfig& cfg, bool decay) const {
    auto reference = model.copy();
    assign(reference->parameters(), wbar);
    reference->eval();
    NoiseRecord rec;
    const auto full = objective_gradient(*reference, inputs, labels, cfg, decay);
    {
      c10::InferenceMode inference;
      rec.train_loss = objective(*reference, inputs, labels, cfg, decay).item<double>();
    }
    std::vector<torch::Tensor> eta;
    for (size_t k = 0; k < full.size(); ++k) eta.push_back(mean_grad[k] - full[k]);
    rec.eta_sq = squared_norm(eta);
    const auto eta_layer = eta[layer_param_].to(torch::kDouble).flatten();
    rec.eta_layer_sq = eta_layer.pow(2).sum().item<double>();
    // The layer's geometry at w_bar: its top Hessian eigenpairs, descending.
    auto split = duality::sequential_split(*reference, layer_);
    const auto basis = duality::layer_eigenbasis(duality::linearize(*split, inputs64_), labels, Basis::kHessian);
    const int64_t k = std::min<int64_t>(top_, basis.lambda.size(0));
    const auto values = basis.lambda.flip(0).slice(0, 0, k);
    const auto proj = basis.vectors.flip(1).slice(1, 0, k).t().mv(eta_layer).pow(2);
    for (int64_t i = 0; i < k; ++i) {
      rec.top_eigenvalues.push_back(values[i].item<double>());
      rec.eta_top_sq.push_back(proj[i].item<double>());
    }
    return rec;
  }

 private:
  models::DenseStage layer_;
  torch::Tensor inputs64_;
  int64_t top_;
  size_t layer_param_ = 0;
};

/// The mean over every learner's minibatches of the epoch, the same on every
/// process (one exchange of two numbers per learner): each process's schedule
/// then evaluates the same epochs, so all stop together.
double pooled_mean(std::vector<MinibatchMean>& local, distributed::Exchange& exchange) {
  LearnerTensors parts;
  for (auto& m : local) {
    const auto [sum, samples] = m.take_sum();
    parts.push_back({torch::tensor({sum, double(samples)}, torch::kDouble)});
  }
  const auto pooled = exchange.mean(parts).front();
  const double samples = pooled[1].item<double>();
  return samples > 0 ? pooled[0].item<double>() / samples : std::numeric_limits<double>::quiet_NaN();
}

/// The gradients of this process's learners over one step of the epoch's
/// shared order: learner a takes positions [a b, (a+1) b) of the step.
/// grads[i] is learner first+i's gradient over its c_a samples (zero when an
/// epoch's last step leaves it none); share[i] = n c_a / C weighs it so that
/// the mean of the weighted gradients is the gradient over all C samples of
/// the step (c_a = b and share 1 except in that last step).
struct StepGradients {
  LearnerTensors grads;
  std::vector<double> share;

  LearnerTensors weighted() const {
    LearnerTensors w = grads;
    for (size_t i = 0; i < w.size(); ++i)
      if (share[i] != 1.0)
        for (auto& g : w[i]) g = g * share[i];
    return w;
  }
};

}  // namespace

void require_learners_fit(int64_t learners, int64_t train_samples) {
  if (learners > train_samples)
    throw std::invalid_argument("learners (n = " + std::to_string(learners) + ") exceed the " +
                                std::to_string(train_samples) +
                                " training samples: every learner needs at least one (lower --learners or raise -M)");
}

void require_batches_fit(int64_t learners, int64_t batch_size, int64_t train_samples) {
  require_learners_fit(learners, train_samples);
  if (learners > 1 && learners * batch_size > train_samples)
    throw std::invalid_argument("learners x batch_size = " + std::to_string(learners) + " x " +
                                std::to_string(batch_size) + " = " + std::to_string(learners * batch_size) +
                                " exceeds the " + std::to_string(train_samples) +
                                " training samples (lower --learners or -B, or raise -M)");
}

namespace {

/// One epoch-by-epoch run of n learners; see learners.h.
class LearnersLoop {
 public:
  LearnersLoop(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
               const LearnersConfig& learners, const std::optional<models::DenseStage>& noise_layer,
               distributed::Exchange& exchange)
      : model_(model), inputs_(samples.train_inputs), labels_(samples.train_labels), cfg_(cfg), learners_(learners),
        exchange_(exchange), ssgd_(learners.algo == Algo::kSsgd), n_(exchange.learners()), first_(exchange.first()),
        local_(exchange.local()), sgd_(cfg), own_sgd_(ssgd_ ? 0 : local_, MomentumSgd(cfg)) {
    if (n_ != learners.count)
      throw std::logic_error("exchange holds " + std::to_string(n_) + " learners, config asks for " +
                             std::to_string(learners.count));
    require_learners_fit(n_, inputs_.size(0));  // shorter steps are fine here; users meet require_batches_fit
    // SSGD: every learner is at w_bar, so one model serves all of this
    // process's learners. DPSGD: a model per learner; `model` holds w_bar.
    if (!ssgd_)
      for (int64_t i = 0; i < local_; ++i) own_.push_back(model.copy());
    for (int64_t i = 0; i < local_; ++i) learner_model(i).train();
    // After the copies: cloning a module re-runs its reset(), which draws from
    // the default generator that a lone learner's dropout stream seeds.
    dropout_.emplace(cfg.seed, first_, local_);
    if (learners.noise_every > 0 && exchange.writes_outputs()) {
      if (!noise_layer) throw std::logic_error("the noise record needs the analysed layer");
      noise_ = std::make_unique<NoiseRecorder>(model, *noise_layer, inputs_, learners.noise_top);
    }
  }

  /// One epoch over `order` of `inputs` (the training inputs, augmented or
  /// not); noise records are appended to `noise`, and with `minibatch` the
  /// local learners' minibatch cross-entropies are added to it.
  void epoch(int64_t epoch, const torch::Tensor& order, const torch::Tensor& inputs, bool decay,
             std::vector<NoiseRecord>& noise, std::vector<MinibatchMean>* minibatch) {
    const int64_t n_samples = inputs.size(0), step_size = n_ * cfg_.batch_size;
    const int64_t steps = (n_samples + step_size - 1) / step_size;
    for (int64_t s = 0; s < steps; ++s) {
      ++step_;
      const int64_t begin = s * step_size;
      const double lr = learning_rate(cfg_, epoch, s, steps);
      const auto g = gradients(inputs, order, begin, std::min(n_samples, begin + step_size), decay, minibatch);
      const bool noise_now = learners_.noise_every > 0 && step_ % learners_.noise_every == 0;
      // SSGD steps along the mean of the weighted gradients; DPSGD learners
      // along their own, unweighted (SPEC §8).
      std::vector<torch::Tensor> mean_grad, wbar;
      if (ssgd_ || noise_now) mean_grad = exchange_.mean(g.weighted());
      if (ssgd_) {
        const auto params = model_.parameters();
        if (noise_now)
          for (const auto& p : params) wbar.push_back(p.detach().clone());
        sgd_.step(params, mean_grad, lr);
      } else {
        const auto weights = own_weights();
        if (noise_now) wbar = exchange_.mean(weights);
        dpsgd_update(weights, g.grads, lr);
      }
      if (noise_now && noise_) {
        auto rec = noise_->record(model_, wbar, mean_grad, inputs_, labels_, cfg_, decay);
        rec.step = step_;
        rec.epoch = epoch;
        noise.push_back(std::move(rec));
      }
    }
    if (!ssgd_) assign(model_.parameters(), exchange_.mean(own_weights()));
  }

 private:
  models::Classifier& learner_model(int64_t i) { return ssgd_ ? model_ : *own_[i]; }

  LearnerTensors own_weights() const {
    LearnerTensors weights;
    for (const auto& m : own_) weights.push_back(detached(m->parameters()));
    return weights;
  }

  StepGradients gradients(const torch::Tensor& inputs, const torch::Tensor& order, int64_t begin, int64_t end,
                          bool decay, std::vector<MinibatchMean>* minibatch) {
    const int64_t b = cfg_.batch_size;
    StepGradients g{LearnerTensors(local_), std::vector<double>(local_, 0.0)};
    for (int64_t i = 0; i < local_; ++i) {
      const int64_t lo = std::min(end, begin + (first_ + i) * b), hi = std::min(end, lo + b);
      auto& m = learner_model(i);
      if (hi == lo) {
        for (const auto& p : m.parameters()) g.grads[i].push_back(torch::zeros_like(p));
        continue;
      }
      const auto idx = order.slice(0, lo, hi);
      double ce = 0;
      g.grads[i] = dropout_->with(i, [&] {
        return objective_gradient(m, inputs.index_select(0, idx), labels_.index_select(0, idx), cfg_, decay,
                                  minibatch ? &ce : nullptr);
      });
      if (minibatch) (*minibatch)[i].add(ce, hi - lo);
      g.share[i] = double(n_) * double(hi - lo) / double(end - begin);
    }
    return g;
  }

  /// SPEC §8: w_a(t+1) = wtilde_a(t) - alpha grad L_mu_a(w_a(t)); with
  /// momentum, each learner's own velocity gives the direction in place of
  /// its gradient.
  void dpsgd_update(const LearnerTensors& weights, const LearnerTensors& grads, double lr) {
    const auto mixed = exchange_.mix(weights, learners_.mixing);
    for (int64_t i = 0; i < local_; ++i) {
      const auto d = own_sgd_[i].direction(grads[i]);
      torch::NoGradGuard no_grad;
      const auto params = own_[i]->parameters();
      for (size_t k = 0; k < params.size(); ++k) params[k].copy_(mixed[i][k]).add_(d[k], -lr);
    }
  }

  models::Classifier& model_;
  const torch::Tensor& inputs_;
  const torch::Tensor& labels_;
  const TrainConfig& cfg_;
  const LearnersConfig& learners_;
  distributed::Exchange& exchange_;
  const bool ssgd_;
  const int64_t n_, first_, local_;
  std::optional<DropoutStreams> dropout_;
  std::vector<std::shared_ptr<models::Classifier>> own_;
  MomentumSgd sgd_;                   // SSGD: the step of w_bar
  std::vector<MomentumSgd> own_sgd_;  // DPSGD: each learner's own velocity
  std::unique_ptr<NoiseRecorder> noise_;
  int64_t step_ = 0;
};

}  // namespace

TrainResult train_learners(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                           const LearnersConfig& learners, const std::optional<models::DenseStage>& noise_layer,
                           distributed::Exchange& exchange, const EpochCallback& on_epoch) {
  // Every process evaluates w_bar alike (the same schedule, and the minibatch
  // mean pooled over all learners by pooled_mean), so that all stop at the
  // same epoch. The minibatch mean only brings an evaluation forward; the
  // rule itself is decided on the evaluation (EpochEnd), on w_bar with
  // BatchNorm statistics of its own (recomputed; train/batchnorm.h).
  EpochEnd end(model, samples, cfg, on_epoch);
  LearnersLoop loop(model, samples, cfg, learners, noise_layer, exchange);
  std::vector<MinibatchMean> minibatch(exchange.local());
  std::vector<NoiseRecord> noise;
  // Every process draws the same orders and augmentations: the step's samples are cut from one shared epoch.
  auto result = run_epochs(samples, cfg, end, [&](int64_t epoch, const torch::Tensor& order,
                                                  const torch::Tensor& inputs, bool decay) {
    const bool track = end.tracks_minibatches();
    loop.epoch(epoch, order, inputs, decay, noise, track ? &minibatch : nullptr);
    return track ? pooled_mean(minibatch, exchange) : MinibatchMean{}.take();
  });
  result.noise = std::move(noise);
  return result;
}

}  // namespace awd::train
