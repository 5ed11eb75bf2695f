// ResNet-18 and DenseNet-121 (SPEC §9): torchvision's names, shapes and
// eval-mode logits (weights loaded by name from a folder torchvision wrote),
// the published parameter counts, the input check, and the duality analysis
// of their last layer.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "awd/io/npy.h"
#include "awd/io/process.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/store/weights_folder.h"
#include "test_util.h"

using namespace awd;
using test_util::message_of;

namespace {

ModelConfig net_config(Arch arch, int64_t width) {
  ModelConfig mc;
  mc.arch = arch;
  mc.width = width;
  mc.bias = true;  // torchvision's fc and classifier have one
  return mc;
}

std::shared_ptr<models::Classifier> make_net(Arch arch, int64_t width, uint64_t seed = 0) {
  return models::make_classifier(net_config(arch, width), {3, 32, 32}, 10, seed);
}

/// max |a - b| / max |b|: the relative error of logits as a whole.
double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

std::map<std::string, std::vector<int64_t>> state_shapes(models::Classifier& model) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& [name, t] : models::named_state(model)) out[name] = t.sizes().vec();
  return out;
}

/// The folder written by tests/fixtures/torchvision_nets.py, once per test
/// binary; "" when /usr/bin/python3 has no torchvision (the caller skips).
const std::string& torchvision_fixture() {
  static test_util::TempDir dir;
  static const std::string path = [] {
    if (std::system("/usr/bin/python3 -c 'import torchvision' >/dev/null 2>&1") != 0) return std::string();
    io::ProcessSpec spec;
    spec.argv = {"/usr/bin/python3", std::string(AWD_SOURCE_DIR) + "/tests/fixtures/torchvision_nets.py", dir.str()};
    spec.env = std::vector<std::string>{"PYTHONDONTWRITEBYTECODE=1", "OMP_NUM_THREADS=2"};
    spec.output = (dir / "fixture.log").string();
    spec.null_stdin = true;
    const auto status = io::run(spec);
    if (!status.ok()) throw std::runtime_error("torchvision_nets.py failed: " + test_util::read_bytes(spec.output));
    return dir.str();
  }();
  return path;
}

/// awd's `arch` loaded from torchvision's folder NET: same names and shapes,
/// same eval-mode logits in float32 (relative 1e-5) and float64.
void expect_torchvision_logits(Arch arch, int64_t width, const std::string& net) {
  const auto& root = torchvision_fixture();
  if (root.empty()) GTEST_SKIP() << "/usr/bin/python3 cannot import torchvision";
  const auto dir = root + "/" + net;
  auto model = make_net(arch, width);
  std::map<std::string, std::vector<int64_t>> theirs;
  for (const auto& f : std::filesystem::directory_iterator(dir + "/weights"))
    theirs[f.path().stem().string()] = io::read_npy(f.path().string()).sizes().vec();
  EXPECT_EQ(state_shapes(*model), theirs);

  store::read_weights_folder(dir + "/weights", *model);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto input = io::read_npy(dir + "/input.npy");
  const auto logits32 = io::read_npy(dir + "/logits32.npy");
  const auto ours32 = model->forward(input);
  EXPECT_LT(relative_error(ours32, logits32), 1e-5) << ours32 << logits32;
  model->to(torch::kDouble);
  const auto ours64 = model->forward(input.to(torch::kDouble));
  EXPECT_LT(relative_error(ours64, io::read_npy(dir + "/logits64.npy")), 1e-12);
}

}  // namespace

TEST(Networks, TorchvisionResnet18LoadsByNameWithTheSameLogits) {
  expect_torchvision_logits(Arch::kResnet18, 64, "resnet18");
}

TEST(Networks, TorchvisionDensenet121LoadsByNameWithTheSameLogits) {
  expect_torchvision_logits(Arch::kDensenet121, 8, "densenet121");
}

TEST(Networks, FullSizeShapesAndParameterCountsAreTorchvisions) {
  // torchvision documents 11,689,512 parameters for resnet18 and 7,978,856
  // for densenet121 (ImageNet: 7x7 stem 3 -> 64, 1000 classes). The CIFAR
  // stem (3x3) and 10 classes change only the first and last layer.
  auto count = [](models::Classifier& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
  };
  const int64_t stem_change = 64 * 3 * 9 - 64 * 3 * 49;
  auto resnet = make_net(Arch::kResnet18, 0);
  EXPECT_EQ(count(*resnet), 11689512 + stem_change + (512 * 10 + 10) - (512 * 1000 + 1000));
  EXPECT_EQ(resnet->dense_layer_names(), std::vector<std::string>{"fc"});
  EXPECT_EQ(resnet->dense_layer("fc")->weight.sizes(), (std::vector<int64_t>{10, 512}));
  auto densenet = make_net(Arch::kDensenet121, 0);
  EXPECT_EQ(count(*densenet), 7978856 + stem_change + (1024 * 10 + 10) - (1024 * 1000 + 1000));
  EXPECT_EQ(densenet->dense_layer_names(), std::vector<std::string>{"classifier"});
  EXPECT_EQ(densenet->dense_layer("classifier")->weight.sizes(), (std::vector<int64_t>{10, 1024}));
  const auto shapes = state_shapes(*densenet);
  EXPECT_EQ(shapes.at("features.transition3.conv.weight"), (std::vector<int64_t>{512, 1024, 1, 1}));
  EXPECT_EQ(shapes.at("features.denseblock4.denselayer16.conv2.weight"), (std::vector<int64_t>{32, 128, 3, 3}));
  EXPECT_EQ(shapes.at("features.norm5.running_var"), (std::vector<int64_t>{1024}));
  EXPECT_EQ(state_shapes(*resnet).at("layer4.0.downsample.0.weight"), (std::vector<int64_t>{512, 256, 1, 1}));
}

TEST(Networks, WidthAndBiasOptionsShapeTheNetwork) {
  auto resnet = make_net(Arch::kResnet18, 4);
  EXPECT_EQ(resnet->dense_layer("fc")->weight.sizes(), (std::vector<int64_t>{10, 32}));
  EXPECT_EQ(state_shapes(*resnet).at("conv1.weight"), (std::vector<int64_t>{4, 3, 3, 3}));
  auto mc = net_config(Arch::kDensenet121, 4);
  mc.bias = false;
  auto densenet = models::make_classifier(mc, {3, 32, 32}, 10, 0);
  // 2k stem, +6k, /2, +12k, /2, +24k, /2, +16k = 32k features.
  EXPECT_EQ(densenet->dense_layer("classifier")->weight.sizes(), (std::vector<int64_t>{10, 128}));
  EXPECT_FALSE(densenet->dense_layer("classifier")->bias.defined());
  const auto u = torch::rand({2, 3, 32, 32});
  EXPECT_EQ(densenet->forward(u).sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(resnet->forward(torch::rand({2, 3, 20, 24})).sizes(), (std::vector<int64_t>{2, 10}));
}

TEST(Networks, InputsOtherThanThreeChannelImagesAreRefusedInOneLine) {
  for (auto arch : {Arch::kResnet18, Arch::kDensenet121}) {
    const auto msg =
        message_of<std::invalid_argument>([&] { models::make_classifier(net_config(arch, 4), {1, 28, 28}, 10, 0); });
    EXPECT_NE(msg.find("needs 3-channel images [3, H, W]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[1, 28, 28]"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_THROW(models::make_classifier(net_config(Arch::kDensenet121, 4), {3, 4, 4}, 10, 0), std::invalid_argument);
}

TEST(Networks, InitialisationDecayAndCopyCoverEveryBlock) {
  auto model = make_net(Arch::kResnet18, 4);
  const auto state = models::named_state(*model);
  std::map<std::string, torch::Tensor> by_name(state.begin(), state.end());
  // SPEC §7 Xavier over the convolutions inside the blocks too: fans 4*9 and 8*9.
  const double bound = std::sqrt(6.0 / (4 * 9 + 8 * 9));
  const auto w = by_name.at("layer2.0.conv1.weight");
  EXPECT_LE(w.abs().max().item<double>(), bound);
  EXPECT_GT(w.abs().max().item<double>(), 0.9 * bound);
  EXPECT_TRUE(torch::equal(by_name.at("layer3.1.bn2.weight"), torch::ones({16})));  // BatchNorm keeps 1 and 0
  EXPECT_TRUE(torch::equal(by_name.at("layer3.1.bn2.bias"), torch::zeros({16})));
  // Weight decay acts on the 21 convolutions (stem, 16 in blocks, 3 shortcuts) and fc's weight: 4-D tensors and fc.weight.
  const auto decayed = models::decayed_weights(*model);
  EXPECT_EQ(decayed.size(), 21u);
  for (const auto& [name, t] : models::named_weights(*model)) {
    const bool is_decayed = std::any_of(decayed.begin(), decayed.end(), [&](const auto& d) { return d.is_same(t); });
    EXPECT_EQ(is_decayed, t.dim() == 4 || name == "fc.weight") << name;
  }
  // A copy keeps every name (DenseNet's features are no Sequential, whose clone renames) and owns its tensors.
  auto densenet = make_net(Arch::kDensenet121, 4);
  auto copy = densenet->copy();
  EXPECT_EQ(state_shapes(*copy), state_shapes(*densenet));
  EXPECT_EQ(models::decayed_weights(*densenet).size(), 1u + 2 * 58 + 3 + 1);
  copy->named_buffers()["stages.features.norm5.running_mean"].fill_(3.0);
  EXPECT_EQ(densenet->named_buffers()["stages.features.norm5.running_mean"].abs().max().item<double>(), 0.0);
}

TEST(Networks, LastLayerOfTinyResnetAndDensenetSatisfiesEq10AndTheDuality) {
  auto cfg = test_util::small_mnist_config(3, 20);
  cfg.data.path = test_util::cifar_dir();
  const auto samples = test_util::samples_of(cfg);
  struct Case {
    Arch arch;
    const char* layer;
    int64_t weights;
  };
  for (const auto& c : {Case{Arch::kResnet18, "fc", 32 * 10}, Case{Arch::kDensenet121, "classifier", 128 * 10}}) {
    auto model = make_net(c.arch, 4, 5);
    AnalysisConfig a;
    a.layer = c.layer;
    const auto r = test_util::analyze(*model, samples, a);
    EXPECT_EQ(r.rows * r.cols, c.weights) << c.layer;
    EXPECT_EQ(r.pairs_kept + r.pairs_skipped, 20) << c.layer;
    EXPECT_GT(r.pairs_kept, 10) << c.layer;
    EXPECT_LT(r.eq10_residual, 1e-10 * std::max(1.0, std::abs(r.pair_gap))) << c.layer;
    EXPECT_LT(r.duality_max_residual, 1e-10) << c.layer;
  }
}
