// One rank of a Gloo group for gloo_test.sh, started by `awd launch`:
// repeated means and ring mixes of a vector holding the rank, each result
// checked, and optionally one rank that dies mid-run.
//   gloo_rank ROUNDS [DIE_RANK DIE_AFTER kill|exit|stop]
// Prints "ok ROUNDS" (rank 0) on success; on an exchange failure prints
// "gloo_rank: MESSAGE" and exits 2, as awd does.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "awd/distributed/gloo_exchange.h"

namespace d = awd::distributed;

int main(int argc, char** argv) {
  if (argc != 2 && argc != 5) {
    std::fprintf(stderr, "usage: gloo_rank ROUNDS [DIE_RANK DIE_AFTER kill|exit|stop]\n");
    return 64;
  }
  const long rounds = std::atol(argv[1]);
  const int die_rank = argc == 5 ? std::atoi(argv[2]) : -1;
  const long die_after = argc == 5 ? std::atol(argv[3]) : 0;
  const std::string how = argc == 5 ? argv[4] : "";
  try {
    const auto o = d::gloo_options_from_env(d::gloo_timeout_from_env());
    auto ex = d::gloo_exchange(o.world_size, o);
    const int n = o.world_size, r = o.rank;
    for (long i = 0; i < rounds; ++i) {
      if (r == die_rank && i == die_after) {
        if (how == "kill") raise(SIGKILL);
        if (how == "stop") {  // stalls: alive, but never answers again
          raise(SIGSTOP);
          continue;
        }
        _exit(1);  // no goodbye to the peers: sockets just close
      }
      const d::LearnerTensors mine{{torch::full({1000}, static_cast<float>(r))}};
      const float mean = ex->mean(mine).at(0)[999].item<float>();
      const float ring = ex->mix(mine, awd::Mixing::kRing).at(0).at(0)[0].item<float>();
      float expect_ring = 0;
      const auto members = d::ring_neighbourhood(r, n);
      for (auto m : members) expect_ring += static_cast<float>(m);
      expect_ring /= static_cast<float>(members.size());
      if (mean != (n - 1) / 2.0f || ring != expect_ring) {
        std::fprintf(stderr, "gloo_rank: rank %d round %ld: mean %g, ring %g\n", r, i, mean, ring);
        return 3;
      }
      if (die_rank >= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (r == 0) std::printf("ok %ld\n", rounds);
    return 0;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (const auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    std::fprintf(stderr, "gloo_rank: %s\n", msg.c_str());
    return 2;
  }
}
