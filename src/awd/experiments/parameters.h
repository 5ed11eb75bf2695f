// The sweepable parameters (paper Sections 2.3-2.4, SPEC §7-8): their names,
// the paper's symbols, ranges, and the values they take. One table; the sweep
// spec, the command line and the report's labels all look parameters up here.
#pragma once
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

/// One row of the parameter table.
struct Parameter {
  const char* name;    ///< canonical name (lr, batch_size, ...)
  const char* symbol;  ///< the paper's symbol (alpha, B, ...)
  bool integer;        ///< takes whole numbers only
  void (*set)(RunConfig&, double);
  /// Categorical parameters: the names they take, and their setter (set is then null).
  std::vector<std::string> choices = {};
  void (*set_name)(RunConfig&, const std::string&) = nullptr;

  bool categorical() const { return !choices.empty(); }
  /// The choices as "a, b" for messages.
  std::string choice_list() const;
};

/// Every sweepable parameter: the knobs of SPEC §7, gamma of SPEC §4 and the
/// learners of SPEC §8.
extern const std::vector<Parameter> kParameters;

/// The row of `name` (canonical name or paper symbol); std::invalid_argument
/// listing the known names otherwise.
const Parameter& find_parameter(const std::string& name);

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

/// The value as written in directory names and tables (shortest exact form).
std::string format_value(double v);
std::string format_value(const SweepValue& v);

}  // namespace awd::experiments
