// A model's weights/ folder (store/weights_folder.h): every parameter and
// buffer written by name, read back into a fresh model with the same logits,
// and each kind of bad folder refused in one line naming the file.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "awd/io/npy.h"
#include "awd/io/text_file.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"
#include "awd/store/weights_folder.h"
#include "test_util.h"

using namespace awd;
using test_util::message_of;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<models::Classifier> tiny_net(Arch arch, uint64_t seed) {
  ModelConfig mc;
  mc.arch = arch;
  mc.width = 4;
  mc.bias = true;
  return models::make_classifier(mc, {3, 32, 32}, 10, seed);
}

/// Running statistics as training leaves them (not LibTorch's 0 and 1), so a lost buffer shows in the logits.
void train_mode_pass(models::Classifier& model) {
  torch::NoGradGuard no_grad;
  model.train();
  for (int i = 0; i < 3; ++i) model.forward(torch::rand({8, 3, 32, 32}) * 2 + 0.5);
  model.eval();
}

torch::Tensor eval_logits(models::Classifier& model, const torch::Tensor& u) {
  torch::NoGradGuard no_grad;
  model.eval();
  return model.forward(u);
}

}  // namespace

TEST(WeightsFolder, EveryParameterAndBufferRoundTrips) {
  for (auto arch : {Arch::kResnet18, Arch::kDensenet121}) {
    test_util::TempDir dir;
    auto model = tiny_net(arch, 1);
    train_mode_pass(*model);
    store::write_weights_folder(dir.str(), *model);
    const auto names = models::named_state(*model);
    size_t files = 0;
    for ([[maybe_unused]] const auto& f : fs::directory_iterator(dir.str())) ++files;
    EXPECT_EQ(files, names.size());
    auto fresh = tiny_net(arch, 2);
    const auto u = torch::rand({3, 3, 32, 32});
    EXPECT_FALSE(torch::equal(eval_logits(*fresh, u), eval_logits(*model, u)));
    const auto records = store::read_weights_folder(dir.str(), *fresh);
    EXPECT_EQ(records.size(), names.size());
    EXPECT_TRUE(torch::equal(eval_logits(*fresh, u), eval_logits(*model, u))) << to_string(arch);
    for (const auto& [name, t] : models::named_state(*fresh))
      EXPECT_EQ(t.scalar_type(), name.find("num_batches_tracked") == std::string::npos ? torch::kFloat : torch::kLong);
  }
  // The buffers are written under torchvision's names, dtypes kept.
  test_util::TempDir dir;
  auto model = tiny_net(Arch::kResnet18, 1);
  train_mode_pass(*model);
  store::write_weights_folder(dir.str(), *model);
  const auto tracked = io::read_npy((dir / "layer2.0.downsample.1.num_batches_tracked.npy").string());
  EXPECT_EQ(tracked.scalar_type(), torch::kLong);
  EXPECT_EQ(tracked.item<int64_t>(), 3);
  EXPECT_TRUE(fs::exists(dir / "bn1.running_var.npy"));
}

TEST(WeightsFolder, RecordsEachFileWithItsSizeAndCrc) {
  test_util::TempDir dir;
  ModelConfig mc;
  auto mlp = models::make_classifier(mc, {1, 28, 28}, 10, 0);
  store::write_weights_folder(dir.str(), *mlp);
  const auto records = store::read_weights_folder(dir.str(), *mlp);
  ASSERT_EQ(records.size(), 3u);  // an MLP has no buffers: old run folders still load
  EXPECT_EQ(fs::path(records[1].path).filename(), "fc2.weight.npy");
  const auto bytes = test_util::read_bytes(records[1].path);
  EXPECT_EQ(records[1].bytes, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(records[1].crc32, ::crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

TEST(WeightsFolder, FloatSixtyFourFilesAreAccepted) {
  test_util::TempDir dir;
  auto model = tiny_net(Arch::kResnet18, 1);
  train_mode_pass(*model);
  for (const auto& [name, t] : models::named_state(*model)) {
    const auto value = t.is_floating_point() ? t.to(torch::kDouble) : t;
    io::write_atomic((dir / (name + ".npy")).string(), io::npy_bytes(value));
  }
  auto fresh = tiny_net(Arch::kResnet18, 2);
  store::read_weights_folder(dir.str(), *fresh);
  const auto u = torch::rand({2, 3, 32, 32});
  EXPECT_TRUE(torch::equal(eval_logits(*fresh, u), eval_logits(*model, u)));
}

TEST(WeightsFolder, EachBadFolderIsRefusedInOneLineNamingTheFile) {
  auto model = tiny_net(Arch::kResnet18, 1);
  test_util::TempDir good;
  store::write_weights_folder(good.str(), *model);
  struct Case {
    const char* what;
    const char* file;      ///< the file the message must name
    const char* expected;  ///< and what it must say
    std::function<void(const fs::path&)> spoil;
  };
  const std::vector<Case> cases = {
      {"missing", "fc.bias.npy", ": missing: the model's fc.bias [10] has no file",
       [](const fs::path& d) { fs::remove(d / "fc.bias.npy"); }},
      {"wrong shape", "fc.weight.npy", ": shape [10, 3], but the model's tensor is [10, 32]",
       [](const fs::path& d) { io::write_atomic((d / "fc.weight.npy").string(), io::npy_bytes(torch::zeros({10, 3}))); }},
      {"extra file", "layer5.0.conv1.weight.npy", ": unexpected file: the model has no parameter or buffer named",
       [](const fs::path& d) { io::write_atomic((d / "layer5.0.conv1.weight.npy").string(), io::npy_bytes(torch::zeros({2}))); }},
      {"extra non-npy file", "notes.txt", ": unexpected file",
       [](const fs::path& d) { io::write_atomic((d / "notes.txt").string(), "hello"); }},
      {"corrupt", "conv1.weight.npy", ": not a .npy file",
       [](const fs::path& d) { io::write_atomic((d / "conv1.weight.npy").string(), "garbage"); }},
      {"truncated", "bn1.weight.npy", ": truncated",
       [](const fs::path& d) {
         const auto p = (d / "bn1.weight.npy").string();
         const auto bytes = test_util::read_bytes(p);
         io::write_atomic(p, bytes.substr(0, bytes.size() - 4));
       }},
      {"integer weights", "conv1.weight.npy", ": dtype int64, expected float32 or float64",
       [](const fs::path& d) {
         io::write_atomic((d / "conv1.weight.npy").string(), io::npy_bytes(torch::zeros({4, 3, 3, 3}, torch::kLong)));
       }},
      {"float counter", "bn1.num_batches_tracked.npy", ": dtype float32, expected int64",
       [](const fs::path& d) { io::write_atomic((d / "bn1.num_batches_tracked.npy").string(), io::npy_bytes(torch::zeros({}))); }},
      {"NaN weight", "fc.weight.npy", ": nan at index [2, 5]: every value must be finite",
       [](const fs::path& d) {
         auto w = torch::zeros({10, 32});
         w[2][5] = NAN;
         w[7][1] = INFINITY;
         io::write_atomic((d / "fc.weight.npy").string(), io::npy_bytes(w));
       }},
      {"infinite running variance", "bn1.running_var.npy", ": -inf at index [3]",
       [](const fs::path& d) {
         auto v = torch::ones({4}, torch::kDouble);
         v[3] = -INFINITY;
         io::write_atomic((d / "bn1.running_var.npy").string(), io::npy_bytes(v));
       }},
  };
  const auto u = torch::rand({2, 3, 32, 32});
  for (const auto& c : cases) {
    test_util::TempDir dir;
    fs::copy(good.str(), dir.str(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    c.spoil(fs::path(dir.str()));
    auto fresh = tiny_net(Arch::kResnet18, 2);
    const auto before = eval_logits(*fresh, u);
    const auto msg = message_of<std::runtime_error>([&] { store::read_weights_folder(dir.str(), *fresh); });
    EXPECT_EQ(msg.rfind((dir / c.file).string() + c.expected, 0), 0u) << c.what << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << c.what << ": " << msg;
    EXPECT_TRUE(torch::equal(eval_logits(*fresh, u), before)) << c.what << ": the model changed";
  }
  const auto msg = message_of<std::runtime_error>([&] { store::read_weights_folder(good.str() + "/none", *model); });
  EXPECT_EQ(msg, good.str() + "/none: not a folder of weights (one NAME.npy per parameter and buffer)");
}

TEST(WeightsFolder, AnotherRunsLeftoversAreRemovedOnWrite) {
  test_util::TempDir dir;
  ModelConfig mc;
  auto mlp = models::make_classifier(mc, {1, 28, 28}, 10, 0);
  store::write_weights_folder(dir.str(), *mlp);
  auto resnet = tiny_net(Arch::kResnet18, 1);
  store::write_weights_folder(dir.str(), *resnet);
  EXPECT_FALSE(fs::exists(dir / "fc1.weight.npy"));
  auto fresh = tiny_net(Arch::kResnet18, 2);
  EXPECT_NO_THROW(store::read_weights_folder(dir.str(), *fresh));
}
