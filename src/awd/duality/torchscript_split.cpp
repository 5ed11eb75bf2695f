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

#include "awd/duality/script_error.h"
#include "awd/io/npy.h"

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

/// The paths of the module's Linear submodules, in module order.
std::vector<std::string> linear_names(const torch::jit::Module& module) {
  std::vector<std::string> names;
  for (const auto& m : module.named_modules())
    if (is_linear(m.value)) names.push_back(m.name);
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

/// The Linear submodule `layer` names, or the only one when `layer` is empty;
/// otherwise an error listing those there are.
std::string resolve_layer(const torch::jit::Module& module, const std::string& path, const std::string& layer) {
  const auto names = linear_names(module);
  if (names.empty())
    fail(path, "this model has no Linear layer (awd analyses a torch.nn.Linear; a convolution acting as the "
               "classifier is not one)");
  if (layer.empty()) {
    if (names.size() == 1) return names.front();
    fail(path, "has " + std::to_string(names.size()) + " Linear layers (" + joined(names) + "); choose one with --layer");
  }
  if (std::find(names.begin(), names.end(), layer) == names.end())
    fail(path, "'" + layer + "' is not a Linear submodule; the Linear submodules are: " + joined(names));
  return layer;
}

torch::jit::Module submodule(const torch::jit::Module& module, const std::string& name) {
  for (const auto& m : module.named_modules())
    if (m.name == name) return m.value;
  throw std::logic_error("no submodule " + name);  // resolve_layer found it
}

/// "a float64 tensor [64, 1, 28, 28]": what a method was given, for its error.
std::string describe(const torch::Tensor& t) { return "a " + io::numpy_dtype(t.scalar_type()) + " tensor " + c10::str(t.sizes()); }

class TorchScriptSplit final : public LayerSplit {
 public:
  TorchScriptSplit(torch::jit::Module module, torch::jit::Module features32, const std::string& path,
                   const std::string& layer, const ActivityPass& pass)
      : module_(std::move(module)), features32_(std::move(features32)), path_(path), name_(layer), pass_(pass) {
    const auto fc = submodule(module_, name_);
    weight_ = fc.attr("weight").toTensor().detach();
    const auto b = fc.attr("bias");
    if (!b.isNone()) bias_ = b.toTensor().detach();
    if (const auto bad = io::first_non_finite(weight_); !bad.empty())
      fail(path_, "the weight of layer '" + name_ + "' holds " + bad + ": every weight must be finite");
    if (const auto bad = io::first_non_finite(bias_); !bad.empty())
      fail(path_, "the bias of layer '" + name_ + "' holds " + bad + ": every weight must be finite");
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
                      name_ + "' takes " + std::to_string(weight_.size(1)) +
                      " inputs (was the model cut at another layer? --layer names the layer it was exported at)");
    return x;
  }
  /// A method of the model on a copy of `arg`: a model may work in place
  /// (ReLU(inplace=True) right after the cut), which must neither change the
  /// caller's tensor nor touch a leaf that requires grad (autograd refuses
  /// that). The interpreter's multi-line dump becomes its cause's first line.
  torch::Tensor run(torch::jit::Module& module, const char* method, const torch::Tensor& arg) {
    const auto what = [&] { return std::string(method) + " failed on " + describe(arg) + ": "; };
    c10::IValue out;
    try {
      out = module.get_method(method)({arg.clone()});
    } catch (const c10::Error& e) {
      fail(path_, what() + script_error_cause(e.what_without_backtrace()));
    } catch (const std::exception& e) {  // the interpreter's own (torch::jit::JITException)
      fail(path_, what() + script_error_cause(e.what()));
    }
    if (!out.isTensor()) fail(path_, std::string(method) + " returns a " + out.tagKind() + ", not a tensor");
    return out.toTensor();
  }

  torch::jit::Module module_;      // the float64 copy in eval mode
  torch::jit::Module features32_;  // a float32 copy in eval mode, for awd_features
  std::string path_, name_;
  ActivityPass pass_;
  torch::Tensor weight_, bias_;
};

/// Logits are a floating [samples, classes] tensor with at least two classes.
void check_logits(const std::string& path, const torch::Tensor& logits, int64_t samples) {
  if (logits.dim() != 2 || logits.size(0) != samples || logits.size(1) < 2 || !logits.is_floating_point())
    fail(path, "forward gives " + describe(logits) + " for " + std::to_string(samples) +
                   " inputs; awd needs floating logits [samples, classes] with at least 2 classes");
  if (const auto bad = io::first_non_finite(logits); !bad.empty())
    fail(path, "forward gives non-finite logits (" + bad + ") on the first " + std::to_string(samples) +
                   " training inputs: a weight of the model or an input is not finite");
}

/// forward(u) = awd_head(W awd_features(u) + b) on the inputs, to float32 rounding.
void check_forward(TorchScriptSplit& split, const std::string& path, const torch::Tensor& inputs) {
  torch::NoGradGuard no_grad;
  const auto u = inputs.to(torch::kDouble);
  const auto expected = split.forward(u);
  check_logits(path, expected, u.size(0));
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

torch::jit::Module load_module(const std::string& model_path) {
  check_archive(model_path);
  try {
    return torch::jit::load(model_path, torch::kCPU);
  } catch (const c10::Error& e) {
    fail(model_path, "cannot be loaded (" + first_line(e) + "); if a newer PyTorch wrote it, " + readable_versions());
  } catch (const std::exception& e) {
    fail(model_path, "cannot be loaded (" + script_error_cause(e.what()) + ")");
  }
}

}  // namespace

std::vector<std::string> torchscript_linear_layers(const std::string& model_path) {
  const auto module = load_module(model_path);
  const auto names = linear_names(module);
  if (names.empty()) resolve_layer(module, model_path, "");  // its refusal of a model without a Linear
  return names;
}

std::unique_ptr<LayerSplit> torchscript_split(const std::string& model_path, const std::string& layer,
                                              const torch::Tensor& check_inputs, const ActivityPass& pass) {
  auto module = load_module(model_path);
  const auto name = resolve_layer(module, model_path, layer);
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
  auto split = std::make_unique<TorchScriptSplit>(std::move(module), std::move(features32), model_path, name, pass);
  check_forward(*split, model_path, check_inputs);
  return split;
}

}  // namespace awd::duality
