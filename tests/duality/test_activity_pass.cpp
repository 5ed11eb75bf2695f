// The batched activity pass (duality/activity_pass.h): channels-last batches
// give NCHW's activities, a network that assumes NCHW strides still runs, and
// a real error still reaches the caller.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

#include "awd/duality/activity_pass.h"

using namespace awd;

namespace {

struct Pass {
  torch::nn::Conv2d conv{torch::nn::Conv2dOptions(3, 4, 3).padding(1)};
  torch::Tensor inputs;
  Pass() {
    torch::manual_seed(3);
    conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1));
    inputs = torch::randn({10, 3, 5, 5}, torch::kDouble);
  }
  torch::Tensor run(const duality::Features& f32, bool channels_last) {
    torch::NoGradGuard no_grad;
    duality::ActivityPass pass;
    pass.batch = 4;
    pass.channels_last = channels_last;
    const auto f64 = [](const torch::Tensor&) -> torch::Tensor { throw std::logic_error("float64 not asked for"); };
    return duality::batched_activities(f32, f64, inputs, 4 * 5 * 5, "conv", pass);
  }
};

}  // namespace

TEST(ActivityPass, ChannelsLastBatchesGiveTheNchwActivities) {
  Pass p;
  const auto f = [&](const torch::Tensor& u) { return torch::relu(p.conv(u)).reshape({u.size(0), -1}); };
  const auto cl = p.run(f, true), nchw = p.run(f, false);
  EXPECT_TRUE(torch::allclose(cl, nchw, 1e-5, 1e-6)) << (cl - nchw).abs().max().item<double>();
}

TEST(ActivityPass, ANetworkThatViewsNchwStridesGetsNchwBatches) {
  Pass p;
  int calls = 0;
  // view(n, -1) needs NCHW strides: it throws on the channels-last output of the convolution.
  const auto f = [&](const torch::Tensor& u) {
    ++calls;
    return p.conv(u).view({u.size(0), -1});
  };
  EXPECT_THROW(p.conv(p.inputs.to(torch::kFloat).contiguous(at::MemoryFormat::ChannelsLast)).view({10, -1}),
               c10::Error);
  const auto x = p.run(f, true);
  EXPECT_EQ(calls, 4);  // three batches, the first tried once in channels-last order
  EXPECT_TRUE(torch::equal(x, p.run(f, false)));
}

TEST(ActivityPass, ARealErrorStillReachesTheCaller) {
  Pass p;
  const auto f = [](const torch::Tensor&) -> torch::Tensor { throw std::runtime_error("model.pt: broken"); };
  EXPECT_THROW(p.run(f, true), std::runtime_error);
}
