#include "awd/config.h"

#include <stdexcept>

namespace awd {
namespace {
void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}
}  // namespace

void validate(const RunConfig& c) {
  require(c.data.per_class >= 1, "per_class (M) must be at least 1");
  require(c.data.n_test >= 1, "n_test must be at least 1");
  require(c.data.label_noise >= 0 && c.data.label_noise < 1, "label_noise (rho) must be in [0, 1)");
  require(c.model.arch == "mlp", "arch must be mlp");
  require(!c.model.hidden.empty(), "hidden must list at least one width");
  for (auto h : c.model.hidden) require(h >= 1, "hidden widths must be positive");
  require(c.model.dropout >= 0 && c.model.dropout < 1, "dropout (d) must be in [0, 1)");
  require(c.model.init == "xavier" || c.model.init == "torch", "init must be xavier or torch");
  require(c.model.init_scale > 0, "init_scale (s) must be positive");
  require(c.train.lr > 0, "lr (alpha) must be positive");
  require(c.train.batch_size >= 1, "batch_size (B) must be at least 1");
  require(c.train.weight_decay >= 0, "weight_decay (beta) must be non-negative");
  require(c.train.decay_stop >= 0, "decay_stop (t_stop) must be non-negative");
  require(c.train.decay_penalty == "norm" || c.train.decay_penalty == "squared",
          "decay_penalty must be norm or squared");
  require(c.train.max_epoch >= 1, "max_epoch must be at least 1");
  require(c.train.stop_loss >= 0, "stop_loss (eps) must be non-negative");
  require(c.analysis.basis == "hessian" || c.analysis.basis == "fisher", "basis must be hessian or fisher");
  require(c.analysis.delta_scale > 0, "delta_scale (gamma) must be positive");
  require(c.analysis.max_test >= 0, "max_test must be non-negative");
  require(c.analysis.n_sharp >= -1, "n_sharp must be -1 (rule) or a rank >= 0");
  require(c.analysis.flatness_top >= 0, "flatness_top must be non-negative (0 = no flatness)");
  require(c.threads >= 0, "threads must be non-negative");
}

}  // namespace awd
