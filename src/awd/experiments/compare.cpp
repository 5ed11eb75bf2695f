#include "awd/experiments/compare.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "awd/data/dataset.h"
#include "awd/data/subset.h"
#include "awd/train/learners.h"

namespace awd::experiments {

void apply_compare_defaults(RunConfig& cfg) {
  cfg.learners.count = 16;
  cfg.train.batch_size = 100;
  cfg.learners.noise_every = 10;
}

SweepSpec compare_spec(const RunConfig& base, int64_t repeats) {
  SweepSpec spec;
  spec.name = kCompareName;
  spec.parameter = "algo";
  spec.values = {"ssgd", "dpsgd"};
  spec.repeats = repeats;
  spec.base = base;
  spec.base.learners.algo = Algo::kSsgd;  // swept; one canonical value so that sweep.json does not depend on --algo
  return sweep_spec_from_json(to_json(spec), "compare");  // validates every value
}

void check_learners_fit(const RunConfig& cfg, int64_t train_samples) {
  train::require_batches_fit(cfg.learners.count, cfg.train.batch_size, train_samples);
  // One learner would silently take the whole set per step: B is not what was asked.
  if (cfg.learners.count == 1 && cfg.train.batch_size > train_samples)
    throw std::invalid_argument("batch_size (B) " + std::to_string(cfg.train.batch_size) + " exceeds the " +
                                std::to_string(train_samples) + " training samples (lower -B or raise -M)");
}

void check_learners_fit(const RunConfig& cfg) {
  validate(cfg);
  const auto folder = data::load_folder(cfg.data.path);
  check_learners_fit(cfg, static_cast<int64_t>(data::draw_subset(folder, cfg.data).train_indices.size()));
}

}  // namespace awd::experiments
