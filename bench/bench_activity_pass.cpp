// Times awd's activity pass (the float32 forwards below the analysed layer,
// batched, cast to float64) of a TorchScript model, as `awd analyze --model`
// runs it: in channels-last order (its default), in NCHW, and NCHW with
// oneDNN (mkldnn) off. The variants run in turn (A B C A B C ...) and
// the medians are printed, "name seconds" per line, for bench/activity_pass.py.
//   bench_activity_pass MODEL LAYER [samples] [batch] [threads] [repeats] [--no-mkldnn-off]
#include <ATen/Context.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "awd/duality/torchscript_split.h"
#include "awd/util/allocator.h"
#include "awd/util/threads.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

struct Variant {
  std::string name;
  bool channels_last, mkldnn;
};

}  // namespace

int main(int argc, char** argv) {
  awd::util::tune_allocator();
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_activity_pass MODEL LAYER [samples] [batch] [threads] [repeats] [--no-mkldnn-off]\n");
    return 2;
  }
  const std::string model = argv[1], layer = argv[2];
  const int64_t samples = argc > 3 ? std::atoll(argv[3]) : 2000;
  const int64_t batch = argc > 4 ? std::atoll(argv[4]) : 1024;
  const int threads = argc > 5 ? std::atoi(argv[5]) : 0;
  const int repeats = argc > 6 ? std::atoi(argv[6]) : 3;
  const bool mkldnn_off = !(argc > 7 && std::strcmp(argv[7], "--no-mkldnn-off") == 0);
  awd::util::set_threads(threads);
  torch::manual_seed(0);
  const auto inputs = torch::randn({samples, 3, 32, 32});
  auto split_with = [&](bool channels_last) {
    awd::duality::ActivityPass pass;
    pass.batch = batch;
    pass.channels_last = channels_last;
    return awd::duality::torchscript_split(model, layer, inputs.slice(0, 0, 16), pass);
  };
  const auto split_cl = split_with(true), split_nchw = split_with(false);
  std::vector<Variant> variants{{"awd_channels_last", true, true}, {"awd_nchw", false, true}};
  if (mkldnn_off) variants.push_back({"awd_nchw_mkldnn_off", false, false});
  std::vector<std::vector<double>> seconds(variants.size());
  torch::Tensor first;
  // One untimed pass each first: a fresh process's first pass pays oneDNN's
  // primitive creation and the page faults of its buffers.
  for (const auto& v : variants) {
    at::globalContext().setUserEnabledMkldnn(v.mkldnn);
    (void)(v.channels_last ? split_cl : split_nchw)->activity(inputs.slice(0, 0, batch));
  }
  for (int r = 0; r < repeats; ++r) {
    for (size_t v = 0; v < variants.size(); ++v) {
      at::globalContext().setUserEnabledMkldnn(variants[v].mkldnn);
      auto& split = variants[v].channels_last ? split_cl : split_nchw;
      const auto t0 = std::chrono::steady_clock::now();
      const auto x = split->activity(inputs);
      seconds[v].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      // The variants must compute the same activities (float32 rounding apart).
      if (!first.defined()) first = x;
      const double rel = (x - first).abs().max().item<double>() / first.abs().max().item<double>();
      if (rel > 1e-4) std::fprintf(stderr, "%s differs from %s by %.2e\n", variants[v].name.c_str(), variants[0].name.c_str(), rel);
    }
  }
  at::globalContext().setUserEnabledMkldnn(true);
  for (size_t v = 0; v < variants.size(); ++v) std::printf("%s %.4f\n", variants[v].name.c_str(), median(seconds[v]));
  return 0;
}
