// Learners in separate processes, one per process, over LibTorch's c10d with
// the Gloo backend (SPEC §8). Rendezvous the PyTorch way: rank 0 hosts a
// TCPStore at MASTER_ADDR:MASTER_PORT, every rank joins it with its RANK out
// of WORLD_SIZE (`awd launch` sets all four). The c10d headers stay in the .cpp.
//
// Every failure is one line starting with "rank R: ": a bad variable, a port
// that is taken, too few ranks joining, a rank lost mid-run (named when it
// can be told which, by the host and pid each rank publishes at rendezvous).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "awd/distributed/exchange.h"

namespace awd::distributed {

struct GlooOptions {
  std::string master_addr;  ///< MASTER_ADDR: where rank 0 hosts the store
  int port = 0;             ///< MASTER_PORT
  int rank = 0;             ///< RANK, in [0, world_size)
  int world_size = 1;       ///< WORLD_SIZE: processes = learners
  double timeout_seconds = 60;  ///< for the rendezvous and for every collective
};

/// Reads MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE; std::invalid_argument
/// naming the variable and its value when one is missing or invalid.
GlooOptions gloo_options_from_env(double timeout_seconds);

/// Joins the group (blocking until all world_size ranks have, or the timeout)
/// and returns the exchange of this process's one learner, learner `rank`.
/// std::invalid_argument when n != world_size or rank is out of range;
/// std::runtime_error for a failed rendezvous.
std::unique_ptr<Exchange> gloo_exchange(int64_t n, const GlooOptions& options);

/// Seconds a Gloo rendezvous or collective may take: AWD_GLOO_TIMEOUT if set, else 60.
double gloo_timeout_from_env();

/// True for a process started as a rank > 0 of a gloo group (backend "gloo"
/// and RANK > 0): it writes no outputs and prints no progress.
bool is_secondary_rank(Backend backend);

}  // namespace awd::distributed
