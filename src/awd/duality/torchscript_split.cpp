#include "awd/duality/torchscript_split.h"

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/versions.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace awd::duality {
namespace {

constexpr const char* kFeatures = "awd_features";
constexpr const char* kHead = "awd_head";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

/// LibTorch errors carry a backtrace and several lines; the user gets the first.
std::string first_line(const c10::Error& e) {
  std::string msg = e.what_without_backtrace();
  if (const auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
  return msg;
}

/// What this LibTorch reads, and where to go otherwise.
std::string readable_versions() {
  return "this LibTorch (" TORCH_VERSION ") reads file format versions " +
         std::to_string(caffe2::serialize::kMinSupportedFileFormatVersion) + " to " +
         std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) +
         "; export with PyTorch " TORCH_VERSION " or use the features route (awd analyze --features)";
}

/// Refuses a file that is not a TorchScript archive, or one of a newer file
/// format (the version record of the zip), before jit::load's long messages.
void check_archive(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) fail(path, "no such file");
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
  } catch (const c10::Error& e) {
    const auto msg = first_line(e);
    if (msg.find("version") != std::string::npos) fail(path, "written by a newer PyTorch (" + msg + "): " + readable_versions());
    fail(path, "not a TorchScript file (corrupt or not a zip archive: " + msg + ")");
  }
}

bool is_linear(const torch::jit::Module& m) {
  const auto type = m.type()->name();
  if (!type) return false;
  const auto q = type->qualifiedName();
  return q.rfind("__torch__.torch.nn.modules.linear.", 0) == 0 && q.size() >= 7 && q.substr(q.size() - 7) == ".Linear";
}

/// The Linear submodule at `layer`; the error lists the Linear submodules there are.
torch::jit::Module linear_submodule(const torch::jit::Module& module, const std::string& path, const std::string& layer) {
  std::vector<std::string> linears;
  for (const auto& m : module.named_modules()) {
    if (m.name == layer && is_linear(m.value)) return m.value;
    if (is_linear(m.value)) linears.push_back(m.name);
  }
  std::string list;
  for (const auto& n : linears) list += (list.empty() ? "" : ", ") + n;
  fail(path, "'" + layer + "' is not a Linear submodule; the Linear submodules are: " + (list.empty() ? "(none)" : list));
}

class TorchScriptSplit final : public LayerSplit {
 public:
  TorchScriptSplit(torch::jit::Module module, torch::jit::Module features32, const std::string& path,
                   const std::string& layer, const ActivityPass& pass)
      : module_(std::move(module)), features32_(std::move(features32)), path_(path), name_(layer), pass_(pass) {
    const auto fc = linear_submodule(module_, path_, name_);
    weight_ = fc.attr("weight").toTensor().detach();
    const auto b = fc.attr("bias");
    if (!b.isNone()) bias_ = b.toTensor().detach();
  }

  const std::string& name() const override { return name_; }
  torch::Tensor weight() const override { return weight_; }
  torch::Tensor bias() const override { return bias_; }

  /// x(u) in batches (ActivityPass), as float64 [S, n].
  torch::Tensor activity(const torch::Tensor& inputs) override {
    return batched_activities([this](const torch::Tensor& u) { return run(features32_, kFeatures, u); },
                              [this](const torch::Tensor& u) { return activity64(u); }, inputs, weight_.size(1), name_,
                              pass_, [this](const torch::Tensor& x) { checked_width(x); });
  }
  /// x(u) in float64 at once: the forward check's.
  torch::Tensor activity64(const torch::Tensor& inputs) {
    return checked_width(run(module_, kFeatures, inputs.to(torch::kDouble)).reshape({inputs.size(0), -1}));
  }
  torch::Tensor head(const torch::Tensor& z) override { return run(module_, kHead, z); }
  torch::Tensor forward(const torch::Tensor& inputs) { return run(module_, "forward", inputs); }

 private:
  torch::Tensor checked_width(const torch::Tensor& x) const {
    if (x.size(1) != weight_.size(1))
      fail(path_, std::string(kFeatures) + " gives activities of width " + std::to_string(x.size(1)) + ", but layer '" +
                      name_ + "' takes " + std::to_string(weight_.size(1)) + " inputs");
    return x;
  }
  torch::Tensor run(torch::jit::Module& module, const char* method, const torch::Tensor& arg) {
    try {
      return module.get_method(method)({arg}).toTensor();
    } catch (const c10::Error& e) {
      fail(path_, std::string(method) + " failed: " + first_line(e));
    }
  }

  torch::jit::Module module_;      // the float64 copy in eval mode
  torch::jit::Module features32_;  // a float32 copy in eval mode, for awd_features
  std::string path_, name_;
  ActivityPass pass_;
  torch::Tensor weight_, bias_;
};

/// forward(u) = awd_head(W awd_features(u) + b) on the inputs, to float32 rounding.
void check_forward(TorchScriptSplit& split, const std::string& path, const torch::Tensor& inputs) {
  torch::NoGradGuard no_grad;
  const auto u = inputs.to(torch::kDouble);
  const auto expected = split.forward(u);
  const auto got = split.logits_from_activity(split.activity64(u));
  if (expected.sizes() != got.sizes())
    fail(path, "forward gives logits " + c10::str(expected.sizes()) + ", awd_head(W awd_features(x) + b) gives " +
                   c10::str(got.sizes()));
  const double scale = expected.abs().max().item<double>(), diff = (expected - got).abs().max().item<double>();
  if (!(diff <= 1e-5 * scale))
    fail(path, "forward(x) differs from awd_head(W awd_features(x) + b) for layer '" + split.name() + "' (max |diff| " +
                   c10::str(diff) + ", max |forward| " + c10::str(scale) +
                   "): the head must be the rest of the network after the layer");
}

}  // namespace

std::unique_ptr<LayerSplit> torchscript_split(const std::string& model_path, const std::string& layer,
                                              const torch::Tensor& check_inputs, const ActivityPass& pass) {
  check_archive(model_path);
  torch::jit::Module module;
  try {
    module = torch::jit::load(model_path, torch::kCPU);
  } catch (const c10::Error& e) {
    fail(model_path, "cannot be loaded (" + first_line(e) + "); if a newer PyTorch wrote it, " + readable_versions());
  }
  for (const char* method : {kFeatures, kHead, "forward"})
    if (!module.find_method(method))
      fail(model_path, std::string("has no method ") + method +
                           " (python/awd_export.py scripts a model with awd_features and awd_head)");
  // Only the pre-activation's gradient is ever needed (and a clone of
  // parameters that need none is a leaf again).
  for (auto p : module.parameters()) p.requires_grad_(false);
  auto features32 = module.clone();
  features32.to(torch::kFloat);
  features32.eval();
  module.to(torch::kDouble);
  module.eval();
  auto split = std::make_unique<TorchScriptSplit>(std::move(module), std::move(features32), model_path, layer, pass);
  check_forward(*split, model_path, check_inputs);
  return split;
}

}  // namespace awd::duality
