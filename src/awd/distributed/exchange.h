// How learners share tensors (SPEC §8). The training loop is written once
// against this interface; where the learners live is the implementation's
// business: all n in this process (local_exchange) or one per process over
// c10d/Gloo (gloo_exchange).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "awd/config.h"

namespace awd::distributed {

/// tensors[i][k]: the k-th tensor of the i-th learner held by this process.
/// Every learner holds the same list of shapes.
using LearnerTensors = std::vector<std::vector<torch::Tensor>>;

/// Every process holds a contiguous block of learners, [first(), first() + local()).
/// Calls are collective: every process makes the same calls in the same order,
/// and a failure of any process surfaces as an exception naming it.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual int64_t learners() const = 0;  ///< n, over all processes
  virtual int64_t first() const = 0;     ///< global index of this process's first learner
  virtual int64_t local() const = 0;     ///< learners held by this process
  /// The process that holds learner 0 writes the run's outputs.
  bool writes_outputs() const { return first() == 0; }

  /// The elementwise mean over all n learners of each tensor; the same on every process.
  virtual std::vector<torch::Tensor> mean(const LearnerTensors& tensors) = 0;
  /// For every local learner a, the mean over its neighbourhood: "ring" is the
  /// distinct members of {a-1, a, a+1} (mod n), summed in that order and
  /// divided by their count; "all" is every learner (= mean()).
  virtual LearnerTensors mix(const LearnerTensors& tensors, Mixing mixing) = 0;
  /// The process that writes outputs calls this once it has done the work
  /// `key` names (the same key on every process); the others return only then,
  /// however long it took: the analysis of a snapshot between two epochs may
  /// outlast any collective's timeout, and no collective runs meanwhile.
  virtual void wait_for_writer(const std::string& key) = 0;
};

/// The exchange a run asks for: local_exchange for Backend::kLocal, one
/// learner per process over c10d/Gloo for kGloo, set up from the environment
/// (gloo_exchange.h; timeout AWD_GLOO_TIMEOUT). Defined in make_exchange.cpp.
std::unique_ptr<Exchange> make_exchange(const LearnersConfig& learners);

/// All n learners in this process.
std::unique_ptr<Exchange> local_exchange(int64_t n);

/// The distinct members of {a-1, a, a+1} mod n, in that order (one for n = 1, two for n = 2).
std::vector<int64_t> ring_neighbourhood(int64_t a, int64_t n);

}  // namespace awd::distributed
