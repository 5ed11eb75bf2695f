// Parameter sweeps (paper Sections 2.3-2.4): one parameter over a list of
// values, R repeats each, every solution a normal run directory. Most
// parameters are numbers (lr, batch_size, learners, ...); a few are names
// (algo: ssgd|dpsgd, mixing: ring|all, SPEC §8).
//
//   SWEEP_DIR/sweep.json                          the experiment (refuses to mix with another)
//   SWEEP_DIR/runs/<parameter>=<value>/rep<r>/    run directories (request.json, log.txt, ...)
//                                                 e.g. runs/lr=0.1/rep0, runs/algo=dpsgd/rep0
//   SWEEP_DIR/report/                             written by write_report
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "awd/config.h"

namespace awd::experiments {

/// One value of a swept parameter: a number (lr = 0.1) or a name (algo = dpsgd).
class SweepValue {
 public:
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  SweepValue(T v) : number_(static_cast<double>(v)), numeric_(true) {}  // NOLINT: implicit on purpose
  SweepValue(std::string name) : text_(std::move(name)) {}                // NOLINT
  SweepValue(const char* name) : text_(name) {}                           // NOLINT

  bool is_number() const { return numeric_; }
  /// The number; NaN for a name.
  double number() const { return numeric_ ? number_ : std::nan(""); }
  /// As written in directory names and tables: format_value for numbers, the name itself otherwise.
  std::string str() const;
  bool operator==(const SweepValue& o) const {
    return numeric_ == o.numeric_ && (numeric_ ? number_ == o.number_ : text_ == o.text_);
  }
  bool operator!=(const SweepValue& o) const { return !(*this == o); }

 private:
  double number_ = 0;
  std::string text_;
  bool numeric_ = false;
};

struct SweepSpec {
  std::string name;
  std::string parameter;       ///< canonical name: lr, batch_size, weight_decay, learners, algo, ...
  std::vector<SweepValue> values;
  int64_t repeats = 10;
  RunConfig base;              ///< every other option
};

/// The canonical name of a sweepable parameter, accepting the paper's symbols
/// (alpha, B, beta, t_stop, s, d, rho, M, gamma). Throws std::invalid_argument
/// listing the known names.
std::string canonical_parameter(const std::string& name);

/// The paper's symbol of a sweepable parameter ("lr" or "train.lr" -> "alpha");
/// other names are returned unchanged.
std::string parameter_symbol(const std::string& parameter);

/// Whether the parameter takes names (algo, mixing) rather than numbers.
bool is_categorical(const std::string& parameter);

/// Sets the parameter in `cfg`; throws std::invalid_argument (one line) for a
/// value out of range, a non-integer where an integer is needed, a name where
/// a number is needed or the other way round, or an unknown name.
void set_parameter(RunConfig& cfg, const std::string& parameter, double value);
void set_parameter(RunConfig& cfg, const std::string& parameter, const SweepValue& value);

/// A value given on the command line (--values 0.1,0.2 or --values ssgd,dpsgd):
/// a number for a numeric parameter (an error otherwise), the text for a categorical one.
SweepValue parse_value(const std::string& parameter, const std::string& text);

/// Reads an experiment file: {"name", "description", "parameter", "values",
/// "repeats", "config": {the sections of a run's config.json}}.
SweepSpec read_sweep_spec(const std::string& path);
SweepSpec sweep_spec_from_json(const nlohmann::json& j, const std::string& source);
/// The experiment recorded in a sweep directory.
SweepSpec load_sweep(const std::string& sweep_dir);
nlohmann::json to_json(const SweepSpec& spec);

/// The run configuration of one solution: the value set, seeds offset by the repeat.
RunConfig solution_config(const SweepSpec& spec, size_t value_index, int64_t repeat);
/// Its run directory inside the sweep directory.
std::string solution_dir(const std::string& sweep_dir, const SweepSpec& spec, size_t value_index, int64_t repeat);
/// The value as written in directory names and tables (shortest exact form).
std::string format_value(double v);
std::string format_value(const SweepValue& v);

struct SweepOptions {
  std::string dir;
  int jobs = 1;              ///< solutions trained at once, each in its own process
  std::string executable;    ///< the awd binary that runs one solution
  bool progress = true;
};

struct SweepStatus {
  int total = 0, already_done = 0, ran = 0, diverged = 0, failed = 0;
};

/// Runs every solution that is not finished yet. Finished solutions (an
/// analysis summary, or a training recorded as diverged) are kept; half-done
/// ones are redone. Refuses a directory created for another experiment.
SweepStatus run_sweep(const SweepSpec& spec, const SweepOptions& options);

}  // namespace awd::experiments
