#include "awd/data/transforms.h"

#include <c10/util/Exception.h>

#include <stdexcept>
#include <string>

namespace awd::data {

torch::Tensor normalized(const torch::Tensor& x, const std::vector<double>& mean, const std::vector<double>& std) {
  if (mean.empty()) return x;
  if (x.dim() < 2 || x.size(1) != static_cast<int64_t>(mean.size()))
    throw std::invalid_argument("--normalize gives " + std::to_string(mean.size()) + " channels, the inputs " +
                                c10::str(x.sizes()) + " have " + (x.dim() < 2 ? "none" : std::to_string(x.size(1))));
  std::vector<int64_t> shape(x.dim(), 1);
  shape[1] = x.size(1);
  const auto m = torch::tensor(mean, x.options()).reshape(shape), s = torch::tensor(std, x.options()).reshape(shape);
  return (x - m) / s;
}

Samples normalized(Samples samples, const std::vector<double>& mean, const std::vector<double>& std) {
  samples.train_inputs = normalized(samples.train_inputs, mean, std);
  samples.test_inputs = normalized(samples.test_inputs, mean, std);
  samples.mean = mean;
  samples.std = std;
  return samples;
}

std::vector<double> black_pixel(const std::vector<double>& mean, const std::vector<double>& std, int64_t channels) {
  if (mean.empty()) return std::vector<double>(channels, 0.0);
  std::vector<double> fill;
  for (size_t c = 0; c < mean.size(); ++c) fill.push_back(-mean[c] / std[c]);
  return fill;
}

torch::Tensor augmented(const torch::Tensor& images, at::Generator& gen, const std::vector<double>& fill) {
  constexpr int64_t kPad = 4;
  if (images.dim() != 4) throw std::invalid_argument("augmentation needs images [N, C, H, W], got " + c10::str(images.sizes()));
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  if (static_cast<int64_t>(fill.size()) != C) throw std::invalid_argument("augmentation: one fill value per channel");
  auto padded = torch::tensor(fill, images.options()).reshape({1, C, 1, 1}).repeat({N, 1, H + 2 * kPad, W + 2 * kPad});
  padded.slice(2, kPad, kPad + H).slice(3, kPad, kPad + W).copy_(images);
  const auto offsets = torch::randint(0, 2 * kPad + 1, {N, 2}, gen, torch::kInt64).contiguous();
  const auto flips = torch::rand({N}, gen, torch::kDouble).lt(0.5).contiguous();
  const auto* o = offsets.data_ptr<int64_t>();
  const auto* f = flips.data_ptr<bool>();
  auto out = torch::empty_like(images);
  for (int64_t i = 0; i < N; ++i) {
    auto crop = padded[i].slice(1, o[2 * i], o[2 * i] + H).slice(2, o[2 * i + 1], o[2 * i + 1] + W);
    out[i].copy_(f[i] ? crop.flip({2}) : crop);
  }
  return out;
}

}  // namespace awd::data
