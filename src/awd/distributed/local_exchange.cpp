#include "awd/distributed/exchange.h"

#include <algorithm>
#include <stdexcept>

namespace awd::distributed {
namespace {

std::vector<torch::Tensor> mean_of(const LearnerTensors& t, const std::vector<int64_t>& members) {
  std::vector<torch::Tensor> out;
  for (size_t k = 0; k < t.front().size(); ++k) {
    auto sum = t[members.front()][k].clone();
    for (size_t m = 1; m < members.size(); ++m) sum.add_(t[members[m]][k]);
    out.push_back(sum.div_(static_cast<double>(members.size())));
  }
  return out;
}

class LocalExchange final : public Exchange {
 public:
  explicit LocalExchange(int64_t n) : n_(n) {
    if (n < 1) throw std::invalid_argument("learners (n) must be at least 1");
  }
  int64_t learners() const override { return n_; }
  int64_t first() const override { return 0; }
  int64_t local() const override { return n_; }

  std::vector<torch::Tensor> mean(const LearnerTensors& t) override {
    check(t);
    std::vector<int64_t> all(n_);
    for (int64_t a = 0; a < n_; ++a) all[a] = a;
    return mean_of(t, all);
  }

  LearnerTensors mix(const LearnerTensors& t, Mixing mixing) override {
    check(t);
    if (mixing == Mixing::kAll) return LearnerTensors(n_, mean(t));
    LearnerTensors out;
    for (int64_t a = 0; a < n_; ++a) out.push_back(mean_of(t, ring_neighbourhood(a, n_)));
    return out;
  }

  void wait_for_writer(const std::string&) override {}  // one process: the writer itself

 private:
  void check(const LearnerTensors& t) const {
    if (static_cast<int64_t>(t.size()) != n_)
      throw std::logic_error("local exchange: expected tensors of " + std::to_string(n_) + " learners");
  }
  int64_t n_;
};

}  // namespace

std::vector<int64_t> ring_neighbourhood(int64_t a, int64_t n) {
  std::vector<int64_t> members;
  for (int64_t m : {(a + n - 1) % n, a, (a + 1) % n})
    if (std::find(members.begin(), members.end(), m) == members.end()) members.push_back(m);
  return members;
}

std::unique_ptr<Exchange> local_exchange(int64_t n) { return std::make_unique<LocalExchange>(n); }

}  // namespace awd::distributed
