#include <stdexcept>

#include "awd/config.h"
#include "awd/distributed/exchange.h"
#include "awd/distributed/gloo_exchange.h"

namespace awd::distributed {

std::unique_ptr<Exchange> make_exchange(const LearnersConfig& learners) {
  if (learners.backend == Backend::kGloo)
    return gloo_exchange(learners.count, gloo_options_from_env(gloo_timeout_from_env()));
  return local_exchange(learners.count);
}

}  // namespace awd::distributed
