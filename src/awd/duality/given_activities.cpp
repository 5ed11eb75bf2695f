#include "awd/duality/given_activities.h"

#include <stdexcept>

namespace awd::duality {
namespace {

class GivenActivities final : public LayerSplit {
 public:
  GivenActivities(std::string name, torch::Tensor activities, torch::Tensor weight, torch::Tensor bias, Head head)
      : name_(std::move(name)),
        table_(std::move(activities)),
        weight_(std::move(weight)),
        bias_(std::move(bias)),
        head_(std::move(head)) {}

  const std::string& name() const override { return name_; }
  torch::Tensor weight() const override { return weight_; }
  torch::Tensor bias() const override { return bias_; }
  /// A lookup: ids are exact in float64 far beyond any sample count.
  torch::Tensor activity(const torch::Tensor& ids) override {
    return table_.index_select(0, ids.reshape({-1}).to(torch::kInt64));
  }
  torch::Tensor head(const torch::Tensor& z) override { return head_ ? head_(z) : z; }

 private:
  std::string name_;
  torch::Tensor table_, weight_, bias_;
  Head head_;
};

}  // namespace

std::unique_ptr<LayerSplit> given_activities(const std::string& name, const torch::Tensor& activities,
                                             const torch::Tensor& weight, const torch::Tensor& bias, Head head) {
  if (activities.dim() != 2 || weight.dim() != 2 || activities.size(1) != weight.size(1))
    throw std::invalid_argument("activities " + c10::str(activities.sizes()) + " do not fit W " +
                                c10::str(weight.sizes()));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw std::invalid_argument("b " + c10::str(bias.sizes()) + " does not fit W " + c10::str(weight.sizes()));
  return std::make_unique<GivenActivities>(name, activities.to(torch::kDouble).contiguous(),
                                           weight.to(torch::kDouble).contiguous(),
                                           bias.defined() ? bias.to(torch::kDouble).contiguous() : torch::Tensor(),
                                           std::move(head));
}

torch::Tensor sample_ids(int64_t first, int64_t count) {
  return torch::arange(first, first + count, torch::kDouble).unsqueeze(1);
}

}  // namespace awd::duality
