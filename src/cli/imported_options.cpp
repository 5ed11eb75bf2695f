#include "imported_options.h"

#include <stdexcept>

#include "awd/util/memory.h"
#include "options.h"

namespace awd::cli {

void add_imported_model_options(CLI::App& sub, experiments::ImportedModel& m, std::vector<double>& normalize,
                                std::string& features_dir) {
  sub.add_option("--model", m.model_path,
                 "TorchScript model with awd_features and awd_head (python/awd_export.py) instead of RUN_DIR");
  sub.add_option("--data", m.data_dir, "With --model: data folder with both splits (.npy, IDX or CIFAR-10)");
  sub.add_option("--features", features_dir,
                 "Last layer given as arrays instead of RUN_DIR: a_train, a_test, y_train, y_test, W [, b] .npy, "
                 "and x_train, x_test or partners .npy (README)");
  sub.add_option("-o,--out", m.out_dir, "With --model or --features: output folder");
  sub.add_option("--n-test", m.n_test, "With --model: test samples, a seeded random subset (0 = all)")
      ->capture_default_str();
  add_seed_option(sub, "--seed", m.seed, "With --model: seed of the test subset");
  sub.add_option("--normalize", normalize,
                 "With --model: per-channel MEAN_1..MEAN_C,STD_1..STD_C applied to the inputs")
      ->delimiter(',');
}

void add_memory_option(CLI::App& sub, experiments::ImportedModel& m) {
  sub.add_option_function<std::string>(
      "--max-memory", [&m](const std::string& text) { m.max_memory = util::parse_bytes(text); },
      "With --model: refuse when the estimated peak memory exceeds this (bytes, or 512M, 8G; "
      "default 90% of the available memory)");
  sub.add_flag("--float64-activities", m.float64_activities,
               "With --model: awd_features in float64 (slower; default float32 in batches of 1024, then float64)");
}

void split_normalize(const std::vector<double>& values, experiments::ImportedModel& m) {
  if (values.empty()) return;
  if (values.size() % 2 != 0)
    throw std::invalid_argument("--normalize takes C means then C standard deviations, not " +
                                std::to_string(values.size()) + " numbers");
  const size_t c = values.size() / 2;
  m.mean.assign(values.begin(), values.begin() + c);
  m.std.assign(values.begin() + c, values.end());
  for (double s : m.std)
    if (!(s > 0)) throw std::invalid_argument("--normalize: standard deviations must be positive");
}

}  // namespace awd::cli
