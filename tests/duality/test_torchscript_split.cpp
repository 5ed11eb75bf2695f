// A TorchScript network cut open at a Linear layer (duality/torchscript_split.h),
// on modules scripted here in C++ as python/awd_export.py scripts them: Linear
// submodules of PyTorch's type name and the methods awd_features and
// awd_head. No Python needed: the checks are against the weights put in.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "awd/duality/layer_split.h"
#include "awd/duality/torchscript_split.h"
#include "test_files.h"

using awd::duality::torchscript_linear_layers;
using awd::duality::torchscript_split;
using test_util::message_of;
using test_util::TempDir;

namespace {

/// A torch.nn.Linear as TorchScript records it: the type name is what marks it a Linear.
torch::jit::Module scripted_linear(const torch::Tensor& weight, const torch::Tensor& bias) {
  torch::jit::Module fc(c10::QualifiedName("__torch__.torch.nn.modules.linear.Linear"));
  fc.register_parameter("weight", weight, false);
  fc.register_parameter("bias", bias, false);
  fc.define(R"(
def forward(self, x):
    return torch.matmul(x, self.weight.t()) + self.bias
)");
  return fc;
}

/// Random weights and inputs, drawn after seeding with `seed` (the first member).
struct Weights {
  explicit Weights(uint64_t seed) : seeded((torch::manual_seed(seed), true)) {}
  bool seeded;
  torch::Tensor w1 = torch::randn({5, 4}, torch::kDouble), b1 = torch::randn({5}, torch::kDouble);
  torch::Tensor w2 = torch::randn({5, 5}, torch::kDouble), b2 = torch::randn({5}, torch::kDouble);
  torch::Tensor w3 = torch::randn({3, 5}, torch::kDouble), b3 = torch::randn({3}, torch::kDouble);
  torch::Tensor u = torch::randn({6, 4}, torch::kDouble);  ///< inputs
};

/// What enters each layer and the logits, computed from the weights.
torch::Tensor enters_fc2(const Weights& w) { return torch::relu(torch::matmul(w.u, w.w1.t()) + w.b1); }
torch::Tensor enters_fc3(const Weights& w) { return torch::relu(torch::matmul(enters_fc2(w), w.w2.t()) + w.b2); }
torch::Tensor logits(const Weights& w) { return torch::matmul(enters_fc3(w), w.w3.t()) + w.b3; }

/// fc3(relu(fc2(relu(fc1(u))))), exported at `cut` (fc1, fc2 or fc3);
/// `head` replaces awd_head's body when given (a head that is not the rest).
std::string scripted_mlp(const TempDir& dir, const Weights& w, const std::string& cut, const std::string& head = "") {
  torch::jit::Module m(c10::QualifiedName("__torch__.Mlp"));
  m.register_module("fc1", scripted_linear(w.w1, w.b1));
  m.register_module("fc2", scripted_linear(w.w2, w.b2));
  m.register_module("fc3", scripted_linear(w.w3, w.b3));
  m.define(R"(
def forward(self, u):
    return self.fc3.forward(torch.relu(self.fc2.forward(torch.relu(self.fc1.forward(u)))))
)");
  const std::map<std::string, std::pair<std::string, std::string>> cuts = {
      {"fc1", {"u", "self.fc3.forward(torch.relu(self.fc2.forward(torch.relu(z))))"}},
      {"fc2", {"torch.relu(self.fc1.forward(u))", "self.fc3.forward(torch.relu(z))"}},
      {"fc3", {"torch.relu(self.fc2.forward(torch.relu(self.fc1.forward(u))))", "z"}}};
  const auto& [features, rest] = cuts.at(cut);
  m.define("def awd_features(self, u):\n    return " + features + "\n" +
           "def awd_head(self, z):\n    return " + (head.empty() ? rest : head) + "\n");
  const auto path = (dir / ("mlp_" + cut + ".pt")).string();
  m.save(path);
  return path;
}

}  // namespace

TEST(TorchScriptSplit, CutsAtTheLayerItWasExportedAt) {
  TempDir dir;
  const Weights w(0);
  awd::duality::ActivityPass float64;
  float64.float32 = false;
  for (const std::string cut : {"fc2", "fc3"}) {
    const auto path = scripted_mlp(dir, w, cut);
    EXPECT_EQ(torchscript_linear_layers(path), (std::vector<std::string>{"fc1", "fc2", "fc3"}));
    const auto split = torchscript_split(path, cut, w.u, float64);
    EXPECT_EQ(split->name(), cut);
    EXPECT_TRUE(torch::equal(split->weight(), cut == "fc2" ? w.w2 : w.w3)) << cut;
    EXPECT_TRUE(torch::equal(split->bias(), cut == "fc2" ? w.b2 : w.b3)) << cut;
    // x(u) is what enters the layer, computed here from the weights put in.
    const auto x = cut == "fc2" ? enters_fc2(w) : enters_fc3(w);
    EXPECT_TRUE(torch::allclose(split->activity(w.u), x, 1e-12, 1e-12)) << cut;
    // The default pass runs the features in float32: the same to its rounding.
    EXPECT_TRUE(torch::allclose(torchscript_split(path, cut, w.u)->activity(w.u), x, 1e-5, 1e-5)) << cut;
    // The whole network through the cut, h(W x + b), is the network.
    EXPECT_TRUE(torch::allclose(split->logits_from_activity(x), logits(w), 1e-12, 1e-12)) << cut;
  }
  // At the last layer h(z) is the identity on the logits.
  const auto z = torch::randn({6, 3}, torch::kDouble);
  EXPECT_TRUE(torch::equal(torchscript_split(scripted_mlp(dir, w, "fc3"), "fc3", w.u)->head(z), z));
}

TEST(TorchScriptSplit, RefusesALayerOrHeadThatDoesNotFitTheExport) {
  TempDir dir;
  const Weights w(1);
  const auto& u = w.u;
  const auto at_fc1 = scripted_mlp(dir, w, "fc1");
  EXPECT_NO_THROW(torchscript_split(at_fc1, "fc1", u));
  // Several Linear layers and none named: the user chooses, from the list.
  auto msg = message_of<std::runtime_error>([&] { torchscript_split(at_fc1, "", u); });
  EXPECT_NE(msg.find("3 Linear layers (fc1, fc2, fc3)"), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind(at_fc1, 0), 0u) << msg;
  msg = message_of<std::runtime_error>([&] { torchscript_split(at_fc1, "fc9", u); });
  EXPECT_NE(msg.find("the Linear submodules are: fc1, fc2, fc3"), std::string::npos) << msg;
  // Exported at fc1, asked for fc2: awd_features gives fc1's inputs (width 4), fc2 takes 5.
  msg = message_of<std::runtime_error>([&] { torchscript_split(at_fc1, "fc2", u); });
  EXPECT_NE(msg.find("width 4"), std::string::npos) << msg;
  // Exported at fc2, asked for fc3: the widths agree (5), the head of fc2's cut fails on fc3's z,
  // in one line naming the file and what the head was given.
  const auto at_fc2 = scripted_mlp(dir, w, "fc2");
  msg = message_of<std::runtime_error>([&] { torchscript_split(at_fc2, "fc3", u); });
  EXPECT_EQ(msg.rfind(at_fc2 + ": awd_head failed on a float64 tensor [6, 3]", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  // A head that is not the rest of the network is caught before any analysis.
  const auto wrong_head = scripted_mlp(dir, w, "fc3", "2.0 * z");
  msg = message_of<std::runtime_error>([&] { torchscript_split(wrong_head, "fc3", u); });
  EXPECT_NE(msg.find("differs from awd_head"), std::string::npos) << msg;
}

TEST(TorchScriptSplit, RefusesAFileThatIsNotTorchScriptNamingIt) {
  TempDir dir;
  const auto path = (dir / "model.pt").string();
  test_util::write_bytes(path, "not a zip archive");
  auto msg = message_of<std::runtime_error>([&] { torchscript_linear_layers(path); });
  EXPECT_EQ(msg.rfind(path + ": not a TorchScript file", 0), 0u) << msg;
  msg = message_of<std::runtime_error>([&] { torchscript_linear_layers((dir / "missing.pt").string()); });
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
}
