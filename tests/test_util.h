// Helpers shared by the tests.
#pragma once
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/models/classifier.h"

namespace test_util {

inline std::string mnist_dir() { return std::string(AWD_SHARED_DATA) + "/mnist"; }
inline std::string cifar_dir() { return std::string(AWD_SHARED_DATA) + "/cifar10"; }

/// A fresh folder, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/awd-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A small MNIST run that trains in well under a second.
inline awd::RunConfig small_mnist_config(int64_t per_class = 20, int64_t n_test = 100) {
  awd::RunConfig cfg;
  cfg.data.path = mnist_dir();
  cfg.data.per_class = per_class;
  cfg.data.n_test = n_test;
  return cfg;
}

/// Rows `rows` of the Hessian of the mean loss w.r.t. the weights of dense
/// layer `layer`, by autograd double backward: one backward pass per row (the
/// slow, obvious way, independent of the Kronecker form under test).
inline torch::Tensor hessian_rows_by_double_backward(awd::models::Classifier& model, const std::string& layer,
                                                     const torch::Tensor& x, const torch::Tensor& y,
                                                     const std::vector<int64_t>& rows) {
  auto W = model.dense_layer(layer)->weight;
  auto loss = torch::nn::functional::cross_entropy(model.forward(x), y);
  auto grad = torch::autograd::grad({loss}, {W}, {}, true, true)[0].flatten();
  std::vector<torch::Tensor> out;
  for (auto i : rows) out.push_back(torch::autograd::grad({grad[i]}, {W}, {}, true)[0].flatten());
  return torch::stack(out);
}

/// The whole Hessian that way (N backward passes: keep N small).
inline torch::Tensor hessian_by_double_backward(awd::models::Classifier& model, const std::string& layer,
                                                const torch::Tensor& x, const torch::Tensor& y) {
  std::vector<int64_t> rows(model.dense_layer(layer)->weight.numel());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = int64_t(i);
  return hessian_rows_by_double_backward(model, layer, x, y, rows);
}

}  // namespace test_util
