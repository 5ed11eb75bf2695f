// The options of `awd analyze --model` and `--features`: a model awd did not train (SPEC §11).
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "awd/experiments/imported_model.h"

namespace awd::cli {

/// --model, --data, -o/--out, --n-test, --seed, --normalize, bound into `m`;
/// `normalize` receives the --normalize list (split by split_normalize);
/// --features DIR (the features route) into `features_dir`.
void add_imported_model_options(CLI::App& sub, experiments::ImportedModel& m, std::vector<double>& normalize,
                                std::string& features_dir);

/// --max-memory BYTES|8G of --model, parsed into m.max_memory (util::parse_bytes).
void add_memory_option(CLI::App& sub, experiments::ImportedModel& m);

/// --normalize MEAN_1,...,MEAN_C,STD_1,...,STD_C: the first half means, the
/// second standard deviations (all > 0); std::invalid_argument otherwise.
void split_normalize(const std::vector<double>& values, experiments::ImportedModel& m);

}  // namespace awd::cli
