#include "awd/store/weights_folder.h"

#include <torch/types.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "awd/io/npy.h"
#include "awd/io/text_file.h"
#include "awd/models/classifier.h"
#include "awd/models/training_view.h"

namespace fs = std::filesystem;

namespace awd::store {
namespace {

constexpr const char* kNpy = ".npy";

std::string tensor_shape_text(torch::IntArrayRef shape) {
  std::ostringstream ss;
  ss << '[';
  for (size_t i = 0; i < shape.size(); ++i) ss << (i ? ", " : "") << shape[i];
  ss << ']';
  return ss.str();
}

/// The tensor name a file in the folder stands for ("" for a file that is not a .npy).
std::string tensor_name_of(const fs::path& file) {
  const auto f = file.filename().string();
  const size_t n = std::char_traits<char>::length(kNpy);
  return f.size() > n && f.compare(f.size() - n, n, kNpy) == 0 ? f.substr(0, f.size() - n) : std::string();
}

/// Refuses a file the model has no tensor for: it means the folder is of another network.
void refuse_strays(const fs::path& dir, const std::map<std::string, torch::Tensor>& expected) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  if (ec) throw std::runtime_error(dir.string() + ": cannot list the weights folder (" + ec.message() + ")");
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    const auto name = tensor_name_of(p);
    if (name.empty() || !expected.count(name))
      throw std::runtime_error(p.string() + ": unexpected file: the model has no parameter or buffer named '" +
                               (name.empty() ? p.filename().string() : name) + "'");
  }
}

/// The tensor of `path`, checked against the model's `target`.
torch::Tensor read_matching(const std::string& path, const torch::Tensor& target) {
  const auto t = io::read_npy(path);
  const bool floating = target.is_floating_point();
  const bool dtype_ok = floating ? (t.scalar_type() == torch::kFloat32 || t.scalar_type() == torch::kFloat64)
                                 : t.scalar_type() == torch::kInt64;
  if (!dtype_ok)
    throw std::runtime_error(path + ": dtype " + io::numpy_dtype(t.scalar_type()) + ", expected " +
                             (floating ? "float32 or float64" : "int64"));
  if (t.sizes() != target.sizes())
    throw std::runtime_error(path + ": shape " + tensor_shape_text(t.sizes()) + ", but the model's tensor is " +
                             tensor_shape_text(target.sizes()));
  io::require_finite(path, t);
  return t;
}

}  // namespace

void write_weights_folder(const std::string& dir, models::Classifier& model) {
  fs::create_directories(dir);
  const auto state = models::named_state(model);
  std::map<std::string, torch::Tensor> names(state.begin(), state.end());
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = tensor_name_of(entry.path());
    if (!name.empty() && !names.count(name)) fs::remove(entry.path());
  }
  for (const auto& [name, value] : state) io::write_atomic((fs::path(dir) / (name + kNpy)).string(), io::npy_bytes(value));
}

std::vector<data::FileRecord> read_weights_folder(const std::string& dir, models::Classifier& model) {
  if (!fs::is_directory(dir))
    throw std::runtime_error(dir + ": not a folder of weights (one NAME.npy per parameter and buffer)");
  const auto state = models::named_state(model);
  const std::map<std::string, torch::Tensor> expected(state.begin(), state.end());
  // Missing files first: the usual mistake is a folder of parameters without the buffers.
  for (const auto& [name, target] : expected) {
    const auto path = fs::path(dir) / (name + kNpy);
    if (!fs::exists(path))
      throw std::runtime_error(path.string() + ": missing: the model's " + name + " " +
                               tensor_shape_text(target.sizes()) + " has no file");
  }
  refuse_strays(dir, expected);
  // Read and check everything before touching the model, so a bad folder leaves it as it was.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> loaded;
  std::vector<data::FileRecord> records;
  for (const auto& [name, target] : expected) {
    const auto path = (fs::path(dir) / (name + kNpy)).string();
    loaded.emplace_back(target, read_matching(path, target));
    records.push_back(data::record_file(path));
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, value] : loaded) target.copy_(value);
  return records;
}

}  // namespace awd::store
