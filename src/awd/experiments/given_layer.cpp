#include "awd/experiments/given_layer.h"

#include <numeric>
#include <stdexcept>
#include <string>

#include "awd/duality/partners.h"
#include "awd/io/npy.h"

namespace awd::experiments {
// Named: unity batches put this file beside features_route.cpp, whose helpers share these names.
namespace given_checks {
namespace {

[[noreturn]] void fail(const std::string& array, const std::string& what) {
  throw std::invalid_argument(array + ": " + what);
}

std::string shape(const torch::Tensor& t) { return c10::str(t.sizes()); }

/// The checks of one layer's arrays, each message naming arrays as `names` says.
class Checks {
 public:
  Checks(const GivenLayer& g, const ArrayNames& names) : g_(g), names_(names) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const { given_checks::fail(n(field), what); }
  std::string n(const std::string& field) const { return names_ ? names_(field) : field; }

  void floating(const char* name, const torch::Tensor& t, int64_t dims) const {
    if (!t.defined()) fail(name, "missing");
    if (!c10::isFloatingType(t.scalar_type()))
      fail(name, "must hold floating-point numbers, not " + io::numpy_dtype(t.scalar_type()));
    if (t.dim() != dims) fail(name, "must be " + std::to_string(dims) + "-dimensional, not " + shape(t));
  }

  void integers(const char* name, const torch::Tensor& t) const {
    if (!t.defined()) fail(name, "missing");
    if (c10::isFloatingType(t.scalar_type()) || c10::isComplexType(t.scalar_type()) || t.scalar_type() == torch::kBool)
      fail(name, "must hold integers, not " + io::numpy_dtype(t.scalar_type()));
    if (t.dim() != 1) fail(name, "must be 1-dimensional, not " + shape(t));
  }

  /// NaN or inf anywhere makes every number of the analysis meaningless: say where.
  void finite(const char* name, const torch::Tensor& t) const {
    if (const auto bad = io::first_non_finite(t); !bad.empty()) fail(name, bad + ": every value must be finite");
  }

  void rows(const char* name, const torch::Tensor& t, const char* of, const torch::Tensor& other) const {
    if (t.size(0) != other.size(0))
      fail(name, std::to_string(t.size(0)) + " rows for the " + std::to_string(other.size(0)) + " rows of " + n(of));
  }

  void labels(const char* name, const torch::Tensor& y, int64_t classes) const {
    const auto out = ((y < 0) | (y >= classes)).nonzero();
    if (out.numel() == 0) return;
    const int64_t at = out[0][0].item<int64_t>();
    fail(name, "label " + std::to_string(y[at].item<int64_t>()) + " of sample " + std::to_string(at) +
                   " is out of range 0.." + std::to_string(classes - 1) + " (the network has " +
                   std::to_string(classes) + " outputs)");
  }

  void layer() const {
    floating("W", g_.W, 2);
    floating("a_train", g_.a_train, 2);
    floating("a_test", g_.a_test, 2);
    if (g_.W.numel() == 0) fail("W", "holds no values (shape " + shape(g_.W) + ")");
    for (const auto* a : {&g_.a_train, &g_.a_test})
      if (a->size(1) != g_.W.size(1)) {
        const bool transposed = a->size(1) == g_.W.size(0);
        fail("W", "W is " + shape(g_.W) + " (outputs, inputs) but the activities have width " +
                      std::to_string(a->size(1)) +
                      (transposed ? ": W looks transposed; give it as [outputs, inputs], as torch.nn.Linear holds "
                                    "its weight"
                                  : ""));
      }
    if (!g_.head && g_.W.size(0) < 2)
      fail("W", "W is " + shape(g_.W) + ": one output; a last layer's outputs are the logits, one per class "
                "(at least 2)");
    if (g_.b.defined()) {
      floating("b", g_.b, 1);
      if (g_.b.size(0) != g_.W.size(0)) fail("b", "b " + shape(g_.b) + " does not fit W " + shape(g_.W));
    }
    integers("y_train", g_.y_train);
    integers("y_test", g_.y_test);
    rows("y_train", g_.y_train, "a_train", g_.a_train);
    rows("y_test", g_.y_test, "a_test", g_.a_test);
    if (g_.a_train.size(0) == 0) fail("a_train", "no training samples");
    if (g_.a_test.size(0) == 0) fail("a_test", "no test samples");
    finite("W", g_.W);
    if (g_.b.defined()) finite("b", g_.b);
    finite("a_train", g_.a_train);
    finite("a_test", g_.a_test);
  }

  /// The partners given (checked), or the search of SPEC §2 on the inputs.
  torch::Tensor partners(const torch::Tensor& y_train, const torch::Tensor& y_test) const {
    if (!g_.partners.defined()) {
      if (!g_.x_train.defined() || !g_.x_test.defined())
        fail(g_.x_train.defined() ? "x_test" : "x_train",
             "missing: the partner search needs the inputs " + n("x_train") + " and " + n("x_test") + ", or " +
                 n("partners") + " instead (for each test sample its partner's row in " + n("a_train") + ")");
      rows("x_train", g_.x_train, "a_train", g_.a_train);
      rows("x_test", g_.x_test, "a_test", g_.a_test);
      if (g_.x_train.sizes().slice(1) != g_.x_test.sizes().slice(1))
        fail("x_test", "inputs of shape " + shape(g_.x_test) + " do not match " + n("x_train") + "'s " +
                           shape(g_.x_train));
      finite("x_train", g_.x_train);
      finite("x_test", g_.x_test);
      try {
        return duality::partner_set(g_.x_test, y_test, g_.x_train, y_train);
      } catch (const std::invalid_argument& e) {  // a class with test samples and no training sample
        fail("y_test", e.what());
      }
    }
    integers("partners", g_.partners);
    rows("partners", g_.partners, "a_test", g_.a_test);
    const auto p = g_.partners.to(torch::kInt64);
    const auto out = ((p < 0) | (p >= g_.a_train.size(0))).nonzero();
    if (out.numel() > 0)
      fail("partners", "partner " + std::to_string(p[out[0][0]].item<int64_t>()) + " of test sample " +
                           std::to_string(out[0][0].item<int64_t>()) + " is not a row of " + n("a_train"));
    const auto other = y_train.index_select(0, p).ne(y_test).nonzero();
    if (other.numel() > 0)
      fail("partners", "the partner of test sample " + std::to_string(other[0][0].item<int64_t>()) +
                           " has another label (SPEC §2: same class)");
    return p;
  }

 private:
  const GivenLayer& g_;
  const ArrayNames& names_;
};

}  // namespace
}  // namespace given_checks

data::Subset whole_subset(int64_t train, int64_t test) {
  data::Subset s;
  s.train_indices.resize(train);
  std::iota(s.train_indices.begin(), s.train_indices.end(), 0);
  s.corrupted.assign(train, false);
  s.test_indices.resize(test);
  std::iota(s.test_indices.begin(), s.test_indices.end(), 0);
  return s;
}

int64_t given_num_classes(const GivenLayer& g) {
  if (!g.head) return g.W.size(0);
  torch::NoGradGuard no_grad;
  const auto x = g.a_train.slice(0, 0, 1).to(torch::kDouble);
  const auto W = g.W.to(torch::kDouble);
  const auto logits = g.head(torch::linear(x, W, g.b.defined() ? g.b.to(torch::kDouble) : torch::Tensor()));
  if (logits.dim() != 2 || logits.size(0) != 1)
    given_checks::fail("head", "h(z) of one sample must be [1, C], not " + given_checks::shape(logits));
  return logits.size(1);
}

void check_given_arrays(const GivenLayer& g, const ArrayNames& names) {
  const given_checks::Checks check(g, names);
  check.layer();
  const int64_t classes = given_num_classes(g);
  check.labels("y_train", g.y_train.to(torch::kInt64), classes);
  check.labels("y_test", g.y_test.to(torch::kInt64), classes);
}

torch::Tensor given_partners(const GivenLayer& g, const ArrayNames& names) {
  return given_checks::Checks(g, names).partners(g.y_train.to(torch::kInt64), g.y_test.to(torch::kInt64));
}

torch::Tensor check_given_layer(const GivenLayer& g, const ArrayNames& names) {
  check_given_arrays(g, names);
  return given_partners(g, names);
}

duality::AnalysisResult analyze_checked_layer(const GivenLayer& g, const torch::Tensor& partners,
                                              const AnalysisConfig& cfg) {
  const int64_t S = g.a_train.size(0), T = g.a_test.size(0);
  data::Samples samples;
  samples.train_inputs = duality::sample_ids(0, S);
  samples.train_labels = g.y_train.to(torch::kInt64);
  samples.clean_mask = torch::ones({S}, torch::kBool);
  samples.test_inputs = duality::sample_ids(S, T);
  samples.test_labels = g.y_test.to(torch::kInt64);
  samples.num_classes = given_num_classes(g);
  const auto split = duality::given_activities(g.name, torch::cat({g.a_train.to(torch::kDouble), g.a_test.to(torch::kDouble)}),
                                               g.W, g.b, g.head);
  return duality::analyze(*split, samples, cfg, partners);
}

duality::AnalysisResult analyze_given_layer(const GivenLayer& g, const AnalysisConfig& cfg) {
  return analyze_checked_layer(g, check_given_layer(g), cfg);
}

}  // namespace awd::experiments
