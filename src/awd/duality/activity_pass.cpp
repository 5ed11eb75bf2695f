#include "awd/duality/activity_pass.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace awd::duality {
namespace {

/// The progress line of one pass over the samples: samples done, elapsed, ETA.
class ActivityProgress {
 public:
  ActivityProgress(bool on, int64_t total, const std::string& layer) : on_(on), total_(total), layer_(layer) {}
  void done(int64_t samples) {
    if (!on_) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = samples > 0 ? elapsed * double(total_ - samples) / double(samples) : 0.0;
    std::fprintf(stderr, "\ractivities entering '%s': %lld/%lld samples, %.0f s, ETA %.0f s ", layer_.c_str(),
                 static_cast<long long>(samples), static_cast<long long>(total_), elapsed, eta);
    if (samples >= total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool on_;
  int64_t total_;
  std::string layer_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

torch::Tensor float32_batch(const torch::Tensor& u, bool channels_last) {
  const auto u32 = u.to(torch::kFloat);
  return channels_last && u32.dim() == 4 ? u32.contiguous(at::MemoryFormat::ChannelsLast) : u32;
}

}  // namespace

torch::Tensor batched_activities(const Features& features32, const Features& features64, const torch::Tensor& inputs,
                                 int64_t width, const std::string& layer, const ActivityPass& pass,
                                 const std::function<void(const torch::Tensor&)>& check) {
  const int64_t S = inputs.size(0), batch = std::max<int64_t>(1, pass.batch);
  auto out = torch::empty({S, width}, torch::kDouble);
  ActivityProgress progress(pass.progress, S, layer);
  for (int64_t lo = 0; lo < S; lo += batch) {
    const auto u = inputs.slice(0, lo, std::min(S, lo + batch));
    const auto x = (pass.float32 ? features32(float32_batch(u, pass.channels_last)) : features64(u.to(torch::kDouble)))
                       .reshape({u.size(0), -1});
    if (check) check(x);
    out.slice(0, lo, lo + u.size(0)).copy_(x);
    progress.done(lo + u.size(0));
  }
  return out;
}

}  // namespace awd::duality
