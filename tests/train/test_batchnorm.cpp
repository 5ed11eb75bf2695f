// train/batchnorm: recalibration against the statistics computed directly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "awd/config.h"
#include "awd/models/classifier.h"
#include "awd/train/batchnorm.h"

using namespace awd;

TEST(BatchNorm, BatchNormRecalibrationEqualsTheMeanOfBatchStatistics) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(2, 3, 3));
  torch::nn::BatchNorm2d bn(3);
  torch::nn::Sequential seq;
  seq->push_back("conv", conv);
  seq->push_back("bn", bn);
  seq->push_back("flatten", torch::nn::Flatten());
  seq->push_back("fc", torch::nn::Linear(3 * 4 * 4, 5));
  models::Classifier model(seq);
  torch::manual_seed(3);
  const auto x = torch::randn({40, 2, 6, 6}) * 3 + 1;
  // Something stale in the statistics, and an eval-mode model: both must not matter.
  bn->running_mean.fill_(5);
  bn->running_var.fill_(7);
  model.eval();
  ASSERT_TRUE(train::has_batchnorm(model));
  train::recalibrate_batchnorm(model, x, 16);  // batches of 16, 16 and 8
  torch::NoGradGuard no_grad;
  torch::Tensor mean = torch::zeros({3}), var = torch::zeros({3});
  for (int64_t lo : {0, 16, 32}) {
    const auto h = conv->forward(x.slice(0, lo, lo + 16)).transpose(0, 1).reshape({3, -1});
    mean += h.mean(1) / 3.0;
    var += h.var(1, /*unbiased=*/true) / 3.0;
  }
  EXPECT_TRUE(torch::allclose(bn->running_mean, mean, 1e-5, 1e-6)) << bn->running_mean << mean;
  EXPECT_TRUE(torch::allclose(bn->running_var, var, 1e-5, 1e-6)) << bn->running_var << var;
  EXPECT_FALSE(model.is_training());           // mode restored
  EXPECT_EQ(*bn->options.momentum(), 0.1);     // momentum restored
  EXPECT_FALSE(train::has_batchnorm(*models::make_classifier(ModelConfig{}, {1, 28, 28}, 10, 0)));
}
