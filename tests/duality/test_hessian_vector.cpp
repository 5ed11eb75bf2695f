// Matrix-free Hessian and Fisher products against the dense matrices.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "awd/duality/hessian.h"
#include "awd/duality/hessian_vector.h"
#include "awd/duality/sequential_split.h"
#include "awd/models/classifier.h"
#include "test_util.h"
#include "topk_util.h"

using namespace awd;
using topk_util::relative_error;

namespace {

/// Random directions, reproducible.
torch::Tensor random_vectors(int64_t count, int64_t N, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({count, N}, torch::kDouble);
}

/// The dense Gauss-Newton Hessian times a few random v equals the operator's products.
void expect_gauss_newton_matches(const topk_util::LayerCase& c) {
  const auto H = duality::layer_hessian(c.lin);
  const auto op = duality::gauss_newton_operator(c.lin);
  ASSERT_EQ(op.size, H.size(0));
  const auto vs = random_vectors(4, op.size, 1);
  for (int64_t i = 0; i < vs.size(0); ++i) EXPECT_LT(relative_error(op(vs[i]), H.matmul(vs[i])), 1e-12) << i;
}

/// fc1 (6 -> 5), tanh, fc2 (5 -> 4), tanh, fc3 (4 -> 3): a head that is not
/// piecewise linear, so the Hessian of fc2 is not its Gauss-Newton part.
std::shared_ptr<models::Classifier> tanh_net() {
  torch::manual_seed(3);
  torch::nn::Sequential seq;
  seq->push_back("fc1", torch::nn::Linear(6, 5));
  seq->push_back("tanh1", torch::nn::Tanh());
  seq->push_back("fc2", torch::nn::Linear(5, 4));
  seq->push_back("tanh2", torch::nn::Tanh());
  seq->push_back("fc3", torch::nn::Linear(4, 3));
  auto net = std::make_shared<models::Classifier>(seq);
  net->to(torch::kDouble);
  {  // large enough weights that tanh curves and the residual term of H matters
    torch::NoGradGuard g;
    for (auto& p : net->parameters()) p.mul_(3.0);
  }
  return net;
}

}  // namespace

TEST(HessianVector, GaussNewtonEqualsDenseOnHiddenLayer) { expect_gauss_newton_matches(topk_util::fc2_case()); }

TEST(HessianVector, GaussNewtonEqualsDenseOnFirstAndLastLayer) {
  expect_gauss_newton_matches(*topk_util::layer_case({3, 8}, "fc1"));  // N = 2352, input activities
  expect_gauss_newton_matches(*topk_util::layer_case({30, 30}, "fc3"));
}

TEST(HessianVector, FisherEqualsDense) {
  const auto& c = topk_util::fc2_case();
  const auto F = duality::empirical_fisher(c.lin, c.train_y);
  const auto op = duality::fisher_operator(c.lin, c.train_y);
  const auto vs = random_vectors(4, op.size, 2);
  for (int64_t i = 0; i < vs.size(0); ++i) EXPECT_LT(relative_error(op(vs[i]), F.matmul(vs[i])), 1e-12) << i;
  EXPECT_LT(relative_error(duality::basis_operator(c.lin, c.train_y, Basis::kFisher)(vs[0]), F.matmul(vs[0])), 1e-12);
}

// Under ReLU the autograd Hessian is the Gauss-Newton one (the kinks' second derivatives vanish).
TEST(HessianVector, AutogradEqualsGaussNewtonUnderRelu) {
  auto& c = topk_util::fc2_case();
  const auto exact = duality::autograd_hessian_operator(*c.split, c.activity, c.train_y);
  const auto gn = duality::gauss_newton_operator(c.lin);
  const auto vs = random_vectors(3, gn.size, 3);
  for (int64_t i = 0; i < vs.size(0); ++i) EXPECT_LT(relative_error(exact(vs[i]), gn(vs[i])), 1e-12) << i;
}

TEST(HessianVector, AutogradEqualsDoubleBackwardUnderTanh) {
  auto net = tanh_net();
  torch::manual_seed(4);
  const auto x = torch::randn({40, 6}, torch::kDouble);
  const auto y = torch::randint(0, 3, {40}, torch::kInt64);
  // Independent evidence: row by row d/dW of the full-network gradient.
  const auto H = test_util::hessian_by_double_backward(*net, "fc2", x, y);
  auto split = duality::sequential_split(*net, "fc2");
  torch::Tensor activity;
  {
    torch::NoGradGuard g;
    activity = split->activity(x);
  }
  const auto exact = duality::autograd_hessian_operator(*split, activity, y);
  const auto gn = duality::gauss_newton_operator(duality::linearize_activity(*split, activity));
  const auto vs = random_vectors(4, exact.size, 5);
  for (int64_t i = 0; i < vs.size(0); ++i) {
    EXPECT_LT(relative_error(exact(vs[i]), H.matmul(vs[i])), 1e-12) << i;
    // ... and the case is one where Gauss-Newton would be wrong.
    EXPECT_GT(relative_error(gn(vs[i]), H.matmul(vs[i])), 1e-3) << i;
  }
}

TEST(HessianVector, RefusesAVectorOfTheWrongSize) {
  const auto op = duality::gauss_newton_operator(topk_util::fc2_case().lin);
  EXPECT_THROW(op(torch::zeros({op.size + 1}, torch::kDouble)), std::invalid_argument);
}
