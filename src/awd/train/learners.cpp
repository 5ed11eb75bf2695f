#include "awd/train/learners.h"

#include <chrono>
#include <stdexcept>

#include "awd/duality/hessian.h"

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

/// grad of the objective (mean cross-entropy, plus the penalty while weight
/// decay is on) at the model's weights, over the samples `idx`.
std::vector<torch::Tensor> objective_gradient(models::Classifier& model, const torch::Tensor& inputs,
                                              const torch::Tensor& labels, const TrainConfig& cfg, bool decay) {
  auto loss = torch::nn::functional::cross_entropy(model.forward(inputs), labels);
  if (decay) loss = loss + decay_penalty(models::weight_tensors(model), cfg);
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

/// The analysed layer's geometry at w_bar for the noise record.
struct LayerGeometry {
  torch::Tensor eigenvalues;   ///< top K, descending
  torch::Tensor eigenvectors;  ///< [m n, K]
};

LayerGeometry top_hessian(const models::Classifier& wbar, const std::string& layer, const torch::Tensor& inputs64,
                          int64_t k) {
  auto model64 = wbar.copy();
  model64->to(torch::kDouble);
  model64->eval();
  const auto h = duality::layer_hessian(duality::linearize(*model64, layer, inputs64));
  auto [values, vectors] = torch::linalg::eigh(h, "L");  // ascending
  k = std::min<int64_t>(k, values.size(0));
  return {values.flip(0).slice(0, 0, k), vectors.flip(1).slice(1, 0, k)};
}

double squared_norm(const std::vector<torch::Tensor>& ts) {
  double s = 0;
  for (const auto& t : ts) s += t.to(torch::kDouble).pow(2).sum().item<double>();
  return s;
}

}  // namespace

TrainResult train_learners(models::Classifier& model, const data::Samples& samples, const TrainConfig& cfg,
                           const LearnersConfig& learners, const std::string& layer,
                           distributed::Exchange& exchange, const EpochCallback& on_epoch) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto& inputs = samples.train_inputs;
  const auto& labels = samples.train_labels;
  const int64_t n_samples = inputs.size(0);
  const int64_t n = exchange.learners(), first = exchange.first(), local = exchange.local();
  if (n != learners.count)
    throw std::logic_error("exchange holds " + std::to_string(n) + " learners, config asks for " +
                           std::to_string(learners.count));
  if (n > n_samples)
    throw std::invalid_argument("learners (n = " + std::to_string(n) + ") outnumber the " +
                                std::to_string(n_samples) + " training samples");
  const bool ssgd = learners.algo == "ssgd";
  const int64_t b = cfg.batch_size, step_size = n * b;
  const auto clean_inputs = inputs.index({samples.clean_mask});
  const auto clean_labels = labels.index({samples.clean_mask});

  // SSGD: every learner is at w_bar, so one model serves all of this
  // process's learners. DPSGD: a model per learner; `model` holds w_bar.
  std::vector<std::shared_ptr<models::Classifier>> own;
  if (!ssgd)
    for (int64_t i = 0; i < local; ++i) own.push_back(model.copy());
  auto learner_model = [&](int64_t i) -> models::Classifier& { return ssgd ? model : *own[i]; };
  auto own_weights = [&] {
    LearnerTensors weights;
    for (const auto& m : own) weights.push_back(detached(m->parameters()));
    return weights;
  };
  for (int64_t i = 0; i < local; ++i) learner_model(i).train();

  DropoutStreams dropout(cfg.seed, first, local);
  auto shuffle_gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed + 2);

  const bool record_noise = learners.noise_every > 0;
  const bool writes = exchange.writes_outputs();
  torch::Tensor inputs64;
  int64_t layer_param = -1;
  if (record_noise && writes) {
    inputs64 = inputs.to(torch::kDouble);
    const auto w = model.dense_layer(layer)->weight;
    const auto params = model.parameters();
    for (size_t k = 0; k < params.size(); ++k)
      if (params[k].is_same(w)) layer_param = static_cast<int64_t>(k);
  }

  TrainResult result;
  result.stop_reason = "max_epoch";
  int64_t step = 0;
  for (int64_t epoch = 1; epoch <= cfg.max_epoch; ++epoch) {
    const bool decay = cfg.weight_decay > 0 && epoch <= cfg.decay_stop;
    const auto order = torch::randperm(n_samples, shuffle_gen, torch::kInt64);
    for (int64_t begin = 0; begin < n_samples; begin += step_size) {
      ++step;
      const int64_t end = std::min(n_samples, begin + step_size);
      // grads[i]: learner first+i's gradient over its c_a samples (zero when
      // an epoch's last step leaves it none); share[i] = n c_a / C weighs it
      // so that the mean of the weighted gradients is the gradient over all C
      // samples of the step (c_a = b and share 1 except in that last step).
      LearnerTensors grads(local);
      std::vector<double> share(local, 0.0);
      for (int64_t i = 0; i < local; ++i) {
        const int64_t lo = std::min(end, begin + (first + i) * b), hi = std::min(end, lo + b);
        auto& m = learner_model(i);
        if (hi == lo) {
          for (const auto& p : m.parameters()) grads[i].push_back(torch::zeros_like(p));
          continue;
        }
        const auto idx = order.slice(0, lo, hi);
        grads[i] = dropout.with(i, [&] {
          return objective_gradient(m, inputs.index_select(0, idx), labels.index_select(0, idx), cfg, decay);
        });
        share[i] = double(n) * double(hi - lo) / double(end - begin);
      }
      auto weighted = [&] {
        LearnerTensors w = grads;
        for (int64_t i = 0; i < local; ++i)
          if (share[i] != 1.0)
            for (auto& g : w[i]) g = g * share[i];
        return w;
      };

      const bool noise_now = record_noise && step % learners.noise_every == 0;
      // SSGD steps along the mean of the weighted gradients; DPSGD learners
      // along their own, unweighted (SPEC §8).
      std::vector<torch::Tensor> mean_grad, wbar;
      if (ssgd || noise_now) mean_grad = exchange.mean(weighted());
      if (ssgd) {
        const auto params = model.parameters();
        if (noise_now)
          for (const auto& p : params) wbar.push_back(p.detach().clone());
        torch::NoGradGuard no_grad;
        for (size_t k = 0; k < params.size(); ++k) params[k].add_(mean_grad[k], -cfg.lr);
      } else {
        const auto weights = own_weights();
        if (noise_now) wbar = exchange.mean(weights);
        // SPEC §8: w_a(t+1) = wtilde_a(t) - alpha grad L_mu_a(w_a(t)).
        const auto mixed = exchange.mix(weights, learners.mixing);
        torch::NoGradGuard no_grad;
        for (int64_t i = 0; i < local; ++i) {
          const auto params = own[i]->parameters();
          for (size_t k = 0; k < params.size(); ++k) params[k].copy_(mixed[i][k]).add_(grads[i][k], -cfg.lr);
        }
      }

      if (noise_now && writes) {
        // eta(t) = mean_a grad L_mu_a(w_a) - grad L(S_train; w_bar), with w_a
        // and w_bar those before this step's update (SPEC §8). The full
        // gradient is taken in eval mode: the landscape, not a dropout draw.
        auto reference = model.copy();
        assign(reference->parameters(), wbar);
        reference->eval();
        NoiseRecord rec;
        rec.step = step;
        rec.epoch = epoch;
        const auto full = objective_gradient(*reference, inputs, labels, cfg, decay);
        {
          c10::InferenceMode inference;
          auto loss = torch::nn::functional::cross_entropy(reference->forward(inputs), labels);
          if (decay) loss = loss + decay_penalty(models::weight_tensors(*reference), cfg);
          rec.train_loss = loss.item<double>();
        }
        std::vector<torch::Tensor> eta;
        for (size_t k = 0; k < full.size(); ++k) eta.push_back(mean_grad[k] - full[k]);
        rec.eta_sq = squared_norm(eta);
        const auto eta_layer = eta[layer_param].to(torch::kDouble).flatten();
        rec.eta_layer_sq = eta_layer.pow(2).sum().item<double>();
        const auto geo = top_hessian(*reference, layer, inputs64, learners.noise_top);
        const auto proj = geo.eigenvectors.t().mv(eta_layer).pow(2);
        for (int64_t i = 0; i < geo.eigenvalues.size(0); ++i) {
          rec.top_eigenvalues.push_back(geo.eigenvalues[i].item<double>());
          rec.eta_top_sq.push_back(proj[i].item<double>());
        }
        result.noise.push_back(std::move(rec));
      }
    }

    if (!ssgd) assign(model.parameters(), exchange.mean(own_weights()));
    const auto eval = evaluate(model, clean_inputs, clean_labels);
    if (close_epoch(result, epoch, eval, std::chrono::duration<double>(clock::now() - start).count(), cfg, on_epoch))
      break;
  }
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return result;
}

}  // namespace awd::train
