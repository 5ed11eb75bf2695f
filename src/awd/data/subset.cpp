#include "awd/data/subset.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>
#include <stdexcept>

namespace awd::data {
namespace {

std::vector<std::vector<int64_t>> indices_by_class(const Dataset& ds) {
  std::vector<std::vector<int64_t>> by(ds.num_classes);
  auto lab = ds.labels.contiguous();
  const auto* p = lab.data_ptr<int64_t>();
  for (int64_t i = 0; i < ds.size(); ++i) by[p[i]].push_back(i);
  return by;
}

std::string where(const Dataset& ds) { return ds.files.empty() ? std::string("data") : ds.files.front().path; }

/// Label noise keeps M correct samples per class and adds rho/(1-rho) as many
/// mislabelled ones, drawn from `leftover`, so that they are the fraction rho
/// of the training set.
void add_label_noise(Subset& s, std::vector<int64_t>& leftover, const Dataset& train_src, int64_t C,
                     const DataConfig& cfg, std::mt19937_64& rng) {
  const int64_t n_clean = C * cfg.per_class;
  const auto n_noisy = static_cast<int64_t>(std::llround(n_clean * cfg.label_noise / (1 - cfg.label_noise)));
  if (n_noisy > static_cast<int64_t>(leftover.size()))
    throw std::invalid_argument(where(train_src) + ": label noise rho=" + std::to_string(cfg.label_noise) +
                                " needs " + std::to_string(n_noisy) + " extra samples, only " +
                                std::to_string(leftover.size()) + " are left");
  std::shuffle(leftover.begin(), leftover.end(), rng);
  auto lab = train_src.labels.contiguous();
  const auto* true_label = lab.data_ptr<int64_t>();
  std::uniform_int_distribution<int64_t> other(1, C - 1);
  for (int64_t i = 0; i < n_noisy; ++i) {
    const int64_t idx = leftover[i];
    s.train_indices.push_back(idx);
    s.train_labels.push_back((true_label[idx] + other(rng)) % C);
    s.corrupted.push_back(true);
  }
}

}  // namespace

Subset draw_subset(const DataFolder& folder, const DataConfig& cfg) {
  const bool single = folder.single_split();
  const Dataset& train_src = single ? folder.test : folder.train;
  const Dataset& test_src = folder.test;
  const int64_t C = test_src.num_classes;
  if (cfg.per_class < 1) throw std::invalid_argument("M (per_class) must be at least 1");
  if (cfg.n_test < 1) throw std::invalid_argument("n_test must be at least 1");
  if (cfg.label_noise < 0 || cfg.label_noise >= 1)
    throw std::invalid_argument("label noise rho must be in [0, 1)");

  std::mt19937_64 rng(cfg.seed);
  auto train_by = indices_by_class(train_src);
  auto test_by = single ? train_by : indices_by_class(test_src);
  for (auto& v : train_by) std::shuffle(v.begin(), v.end(), rng);
  if (!single)
    for (auto& v : test_by) std::shuffle(v.begin(), v.end(), rng);

  Subset s;
  s.single_split = single;
  std::vector<int64_t> leftover;  // candidates for mislabelled extra samples
  for (int64_t c = 0; c < C; ++c) {
    const int64_t n_test_c = cfg.n_test / C + (c < cfg.n_test % C ? 1 : 0);
    auto& tr = train_by[c];
    if (single) {
      const int64_t have = static_cast<int64_t>(tr.size());
      if (cfg.per_class + n_test_c > have)
        throw std::invalid_argument(where(train_src) + ": class " + std::to_string(c) + " has " +
                                    std::to_string(have) + " samples, but M=" +
                                    std::to_string(cfg.per_class) + " training + " +
                                    std::to_string(n_test_c) + " test samples (disjoint) are asked for");
      s.test_indices.insert(s.test_indices.end(), tr.begin(), tr.begin() + n_test_c);
      tr.erase(tr.begin(), tr.begin() + n_test_c);
    } else {
      const auto& te = test_by[c];
      if (n_test_c > static_cast<int64_t>(te.size()))
        throw std::invalid_argument(where(test_src) + ": class " + std::to_string(c) + " has " +
                                    std::to_string(te.size()) + " test samples, n_test=" +
                                    std::to_string(cfg.n_test) + " asks for " + std::to_string(n_test_c));
      s.test_indices.insert(s.test_indices.end(), te.begin(), te.begin() + n_test_c);
      if (cfg.per_class > static_cast<int64_t>(tr.size()))
        throw std::invalid_argument(where(train_src) + ": class " + std::to_string(c) + " has " +
                                    std::to_string(tr.size()) + " training samples, M=" +
                                    std::to_string(cfg.per_class) + " asks for more");
    }
    for (int64_t i = 0; i < cfg.per_class; ++i) {
      s.train_indices.push_back(tr[i]);
      s.train_labels.push_back(c);
      s.corrupted.push_back(false);
    }
    leftover.insert(leftover.end(), tr.begin() + cfg.per_class, tr.end());
  }

  add_label_noise(s, leftover, train_src, C, cfg, rng);
  // The test order is shuffled so that "the first K test samples" are class-balanced too.
  std::shuffle(s.test_indices.begin(), s.test_indices.end(), rng);
  return s;
}

Samples materialize(const DataFolder& folder, const Subset& subset) {
  const Dataset& train_src = subset.single_split ? folder.test : folder.train;
  const auto opts = torch::TensorOptions().dtype(torch::kInt64);
  auto tr = torch::tensor(subset.train_indices, opts);
  auto te = torch::tensor(subset.test_indices, opts);
  Samples s;
  s.train_inputs = train_src.images.index_select(0, tr).contiguous();
  s.train_labels = torch::tensor(subset.train_labels, opts);
  std::vector<uint8_t> clean(subset.corrupted.size());
  for (size_t i = 0; i < clean.size(); ++i) clean[i] = !subset.corrupted[i];
  s.clean_mask = torch::tensor(clean, torch::kUInt8).to(torch::kBool);
  s.test_inputs = folder.test.images.index_select(0, te).contiguous();
  s.test_labels = folder.test.labels.index_select(0, te);
  s.num_classes = folder.test.num_classes;
  return s;
}

}  // namespace awd::data
