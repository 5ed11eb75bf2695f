#include "awd/duality/activity_pass.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>

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

}  // namespace

torch::Tensor batched_activities(const Features& features32, const Features& features64, const torch::Tensor& inputs,
                                 int64_t width, const std::string& layer, const ActivityPass& pass,
                                 const std::function<void(const torch::Tensor&)>& check) {
  const int64_t S = inputs.size(0), batch = std::max<int64_t>(1, pass.batch);
  auto out = torch::empty({S, width}, torch::kDouble);
  ActivityProgress progress(pass.progress, S, layer);
  bool channels_last = pass.channels_last;
  for (int64_t lo = 0; lo < S; lo += batch) {
    const auto u = inputs.slice(0, lo, std::min(S, lo + batch));
    torch::Tensor features;
    if (!pass.float32) {
      features = features64(u.to(torch::kDouble));
    } else if (channels_last && u.dim() == 4) {
      try {
        features = features32(u.to(torch::kFloat).contiguous(at::MemoryFormat::ChannelsLast));
      } catch (const std::exception&) {
        // A network may assume NCHW strides (x.view(n, -1) after a convolution
        // fails on channels-last maps): it gets NCHW batches from here on, and a
        // real error is raised again by that call.
        channels_last = false;
      }
    }
    if (!features.defined()) features = features32(u.to(torch::kFloat));
    const auto x = features.reshape({u.size(0), -1});
    if (check) check(x);
    out.slice(0, lo, lo + u.size(0)).copy_(x);
    progress.done(lo + u.size(0));
  }
  return out;
}

}  // namespace awd::duality
