#include "awd/experiments/given_layer.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "awd/duality/partners.h"

namespace awd::experiments {
// Named: unity batches put this file beside features_route.cpp, whose helpers share these names.
namespace given_checks {
namespace {

[[noreturn]] void fail(const std::string& array, const std::string& what) {
  throw std::invalid_argument(array + ": " + what);
}

std::string shape(const torch::Tensor& t) { return c10::str(t.sizes()); }

void check_floating(const char* name, const torch::Tensor& t, int64_t dims) {
  if (!t.defined()) fail(name, "missing");
  if (!c10::isFloatingType(t.scalar_type()))
    fail(name, std::string("must hold floating-point numbers, not ") + c10::toString(t.scalar_type()));
  if (t.dim() != dims) fail(name, "must be " + std::to_string(dims) + "-dimensional, not " + shape(t));
}

void check_integers(const char* name, const torch::Tensor& t) {
  if (!t.defined()) fail(name, "missing");
  if (c10::isFloatingType(t.scalar_type()) || c10::isComplexType(t.scalar_type()) || t.scalar_type() == torch::kBool)
    fail(name, std::string("must hold integers, not ") + c10::toString(t.scalar_type()));
  if (t.dim() != 1) fail(name, "must be 1-dimensional, not " + shape(t));
}

/// NaN or inf anywhere makes every number of the analysis meaningless: say where.
void check_finite(const char* name, const torch::Tensor& t) {
  if (!c10::isFloatingType(t.scalar_type()) || t.numel() == 0) return;
  const auto bad = torch::logical_not(torch::isfinite(t)).reshape({-1}).nonzero();
  if (bad.numel() == 0) return;
  const int64_t flat = bad[0][0].item<int64_t>();
  std::string at;
  int64_t rest = flat;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    at = std::to_string(rest % t.size(d)) + (at.empty() ? "" : ", ") + at;
    rest /= t.size(d);
  }
  fail(name, std::string("holds ") + (std::isnan(t.reshape({-1})[flat].item<double>()) ? "NaN" : "inf") + " at [" +
                 at + "]");
}

void check_rows(const char* name, const torch::Tensor& t, const char* of, const torch::Tensor& other) {
  if (t.size(0) != other.size(0))
    fail(name, std::to_string(t.size(0)) + " rows for the " + std::to_string(other.size(0)) + " rows of " + of);
}

void check_labels(const char* name, const torch::Tensor& y, int64_t classes) {
  const auto out = ((y < 0) | (y >= classes)).nonzero();
  if (out.numel() == 0) return;
  const int64_t at = out[0][0].item<int64_t>();
  fail(name, "label " + std::to_string(y[at].item<int64_t>()) + " of sample " + std::to_string(at) +
                 " is out of range 0.." + std::to_string(classes - 1) + " (the network has " +
                 std::to_string(classes) + " outputs)");
}

void check_layer(const GivenLayer& g) {
  check_floating("W", g.W, 2);
  check_floating("a_train", g.a_train, 2);
  check_floating("a_test", g.a_test, 2);
  for (const auto* a : {&g.a_train, &g.a_test})
    if (a->size(1) != g.W.size(1)) {
      const bool transposed = a->size(1) == g.W.size(0);
      fail("W", "W is " + shape(g.W) + " (outputs, inputs) but the activities have width " +
                    std::to_string(a->size(1)) + (transposed ? ": W looks transposed" : ""));
    }
  if (g.b.defined()) {
    check_floating("b", g.b, 1);
    if (g.b.size(0) != g.W.size(0)) fail("b", "b " + shape(g.b) + " does not fit W " + shape(g.W));
  }
  check_integers("y_train", g.y_train);
  check_integers("y_test", g.y_test);
  check_rows("y_train", g.y_train, "a_train", g.a_train);
  check_rows("y_test", g.y_test, "a_test", g.a_test);
  if (g.a_train.size(0) == 0) fail("a_train", "no training samples");
  if (g.a_test.size(0) == 0) fail("a_test", "no test samples");
  check_finite("W", g.W);
  if (g.b.defined()) check_finite("b", g.b);
  check_finite("a_train", g.a_train);
  check_finite("a_test", g.a_test);
}

/// The partners given (checked), or the search of SPEC §2 on the inputs.
torch::Tensor given_partners(const GivenLayer& g, const torch::Tensor& y_train, const torch::Tensor& y_test) {
  if (!g.partners.defined()) {
    if (!g.x_train.defined() || !g.x_test.defined())
      fail("x_train", "the partner search needs the inputs x_train and x_test (or the partners given instead)");
    check_rows("x_train", g.x_train, "a_train", g.a_train);
    check_rows("x_test", g.x_test, "a_test", g.a_test);
    if (g.x_train.sizes().slice(1) != g.x_test.sizes().slice(1))
      fail("x_test", "inputs of shape " + shape(g.x_test) + " do not match x_train's " + shape(g.x_train));
    check_finite("x_train", g.x_train);
    check_finite("x_test", g.x_test);
    try {
      return duality::partner_set(g.x_test, y_test, g.x_train, y_train);
    } catch (const std::invalid_argument& e) {  // a class with test samples and no training sample
      fail("y_test", e.what());
    }
  }
  check_integers("partners", g.partners);
  check_rows("partners", g.partners, "a_test", g.a_test);
  const auto p = g.partners.to(torch::kInt64);
  const auto out = ((p < 0) | (p >= g.a_train.size(0))).nonzero();
  if (out.numel() > 0)
    fail("partners", "partner " + std::to_string(p[out[0][0]].item<int64_t>()) + " of test sample " +
                         std::to_string(out[0][0].item<int64_t>()) + " is not a row of a_train");
  const auto other = y_train.index_select(0, p).ne(y_test).nonzero();
  if (other.numel() > 0)
    fail("partners", "the partner of test sample " + std::to_string(other[0][0].item<int64_t>()) +
                         " has another label (SPEC §2: same class)");
  return p;
}

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

duality::AnalysisResult analyze_given_layer(const GivenLayer& g, const AnalysisConfig& cfg) {
  given_checks::check_layer(g);
  const auto y_train = g.y_train.to(torch::kInt64), y_test = g.y_test.to(torch::kInt64);
  const int64_t classes = given_num_classes(g);
  given_checks::check_labels("y_train", y_train, classes);
  given_checks::check_labels("y_test", y_test, classes);
  const auto partners = given_checks::given_partners(g, y_train, y_test);
  const int64_t S = g.a_train.size(0), T = g.a_test.size(0);
  data::Samples samples;
  samples.train_inputs = duality::sample_ids(0, S);
  samples.train_labels = y_train;
  samples.clean_mask = torch::ones({S}, torch::kBool);
  samples.test_inputs = duality::sample_ids(S, T);
  samples.test_labels = y_test;
  samples.num_classes = classes;
  const auto split = duality::given_activities(g.name, torch::cat({g.a_train.to(torch::kDouble), g.a_test.to(torch::kDouble)}),
                                               g.W, g.b, g.head);
  return duality::analyze(*split, samples, cfg, partners);
}

}  // namespace awd::experiments
